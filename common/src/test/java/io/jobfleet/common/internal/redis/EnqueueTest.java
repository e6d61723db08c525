package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.QueueFullException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Enqueue, single and batch: what lands where in Redis, and what is refused before anything is written. */
class EnqueueTest extends RealRedisTest {

    @Test
    void singleJobIsQueuedWithItsFields() {
        long before = redis.serverTimeMs();
        EnqueueResult result = store.enqueue(job(7).withTimeout(Duration.ofSeconds(30))
                .withMaxAttempts(3)
                .withBackoff(new RetryPolicy(10, 2.0, 100, 3))
                .withTrace("req-1", "00-abc-def-01"));
        long after = redis.serverTimeMs();

        assertThat(result.status()).isEqualTo(EnqueueResult.Status.CREATED);
        assertThat(raw.pending()).containsExactly(result.id());
        assertThat(raw.placesOf(result.id())).containsExactly(RawQueue.Place.PENDING);
        Map<String, String> hash = raw.job(result.id());
        assertThat(hash)
                .containsEntry("state", "QUEUED")
                .containsEntry("type", "test.job")
                .containsEntry("payload", "{\"n\":7}")
                .containsEntry("maxAttempts", "3")
                .containsEntry("timeoutMs", "30000")
                .containsEntry("backoff", "10,2.0,100")
                .containsEntry("requestId", "req-1")
                .containsEntry("traceparent", "00-abc-def-01")
                .doesNotContainKeys("runAt", "token", "attempts", "idemKey");
        assertThat(Long.parseLong(hash.get("createdAt"))).isBetween(before, after);
        assertThat(hash.get("enqueuedAt")).isEqualTo(hash.get("createdAt"));
        assertThat(raw.pttl(raw.keys().job(result.id()))).isEqualTo(-1);
        assertThat(queues.queues()).containsExactly(Q);
        assertThat(queues.depth(Q)).isEqualTo(1);

        JobRecord record = record(result.id());
        assertThat(record.state()).isEqualTo(JobState.QUEUED);
        assertThat(record.payload().get("n").asInt()).isEqualTo(7);
        assertThat(record.retryPolicy(RetryPolicy.DEFAULT)).isEqualTo(new RetryPolicy(10, 2.0, 100, 3));
    }

    @Test
    void callerChosenIdIsKept() {
        EnqueueResult result = store.enqueue(job(1).withId("order-42.retry_1"));
        assertThat(result.id()).isEqualTo("order-42.retry_1");
        assertThat(raw.state("order-42.retry_1")).isEqualTo(JobState.QUEUED);
    }

    @Test
    void batchEnqueuesInOrderWithOneScriptCall() {
        store.enqueue(job(0)); // the script is loaded and the queue registered: only the batch is counted below
        TestRedis.resetStats(redis);
        List<NewJob> batch =
                IntStream.rangeClosed(1, 100).mapToObj(RealRedisTest::job).toList();

        List<EnqueueResult> results = store.enqueue(batch, 0);

        assertThat(TestRedis.commandCalls(redis, "evalsha")).isEqualTo(1);
        assertThat(TestRedis.commandCalls(redis, "eval")).isZero();
        assertThat(TestRedis.commandCalls(redis, "script|load") + TestRedis.commandCalls(redis, "script"))
                .isZero();
        assertThat(results).hasSize(100).allMatch(r -> r.status() == EnqueueResult.Status.CREATED);
        assertThat(results.stream().map(EnqueueResult::id).distinct()).hasSize(100);
        assertThat(queues.depth(Q)).isEqualTo(101);
        // FIFO: the batch is claimed in the order it was given, after the earlier job
        List<ClaimedJob> claimed = leases.claim(P, 101, LONG_LEASE, "w").jobs();
        assertThat(claimed.subList(1, 101).stream().map(ClaimedJob::id))
                .containsExactlyElementsOf(
                        results.stream().map(EnqueueResult::id).toList());
        assertThat(claimed.get(50).record().payload().get("n").asInt()).isEqualTo(50);
    }

    @Test
    void batchMustTargetOneQueueAndWritesNothingOtherwise() {
        List<NewJob> mixed = List.of(job(1), NewJob.of("other", "t", null));
        assertThatThrownBy(() -> store.enqueue(mixed, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'q1'")
                .hasMessageContaining("'other'");
        assertThat(raw.dbSize()).isZero();
        assertThat(store.enqueue(List.of(), 0)).isEmpty();
    }

    @Test
    void delayedJobIsScheduledAtServerNowPlusDelay() {
        long before = redis.serverTimeMs();
        String id = store.enqueue(job(1).withDelay(Duration.ofSeconds(30))).id();
        long after = redis.serverTimeMs();

        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.SCHEDULED);
        assertThat(raw.pending()).isEmpty();
        long due = raw.score(RawQueue.Place.SCHEDULED, id).longValue();
        assertThat(due).isBetween(before + 30_000, after + 30_000);
        assertThat(raw.job(id))
                .containsEntry("state", "SCHEDULED")
                .containsEntry("runAt", Long.toString(due))
                .doesNotContainKey("enqueuedAt");
        assertThat(leases.promote(P, 10)).isEqualTo(new Leases.Promoted(0, due));
    }

    @Test
    void delayedJobBecomesClaimableWhenDue() {
        String id = store.enqueue(job(1).withDelay(Duration.ofMillis(50))).id();
        assertThat(leases.claim(P, 1, LONG_LEASE, "w").jobs()).isEmpty();
        awaitServerTimePast(raw.score(RawQueue.Place.SCHEDULED, id).longValue());

        assertThat(leases.promote(P, 10)).isEqualTo(new Leases.Promoted(1, -1));
        assertThat(raw.job(id)).containsEntry("state", "QUEUED").containsKey("enqueuedAt");
        assertThat(claimOne().id()).isEqualTo(id);
    }

    @Test
    void futureRunAtIsScheduledAtThatTime() {
        Instant at = Instant.ofEpochMilli(redis.serverTimeMs() + 3_600_000);
        String id = store.enqueue(job(1).withRunAt(at)).id();
        assertThat(raw.score(RawQueue.Place.SCHEDULED, id)).isEqualTo((double) at.toEpochMilli());
        assertThat(raw.state(id)).isEqualTo(JobState.SCHEDULED);
    }

    @Test
    void pastRunAtIsQueuedAtOnce() {
        String id =
                store.enqueue(job(1).withRunAt(Instant.now().minusSeconds(60))).id();
        String epoch = store.enqueue(job(2).withRunAt(Instant.EPOCH)).id();
        assertThat(raw.pending()).containsExactly(epoch, id);
        assertThat(raw.scheduled()).isEmpty();
        assertThat(raw.state(id)).isEqualTo(JobState.QUEUED);
    }

    @Test
    void zeroDelayIsQueuedAtOnce() {
        String id = store.enqueue(job(1).withDelay(Duration.ZERO)).id();
        assertThat(raw.state(id)).isEqualTo(JobState.QUEUED);
    }

    @Test
    void highPriorityGoesToTheClaimEnd() {
        String old1 = enqueue(1);
        String old2 = enqueue(2);
        String urgent = store.enqueue(job(3).withHighPriority(true)).id();

        assertThat(raw.nextToClaim()).isEqualTo(urgent);
        List<String> order = leases.claim(P, 3, LONG_LEASE, "w").jobs().stream()
                .map(ClaimedJob::id)
                .toList();
        assertThat(order).containsExactly(urgent, old1, old2);
    }

    @Test
    void batchPastMaxDepthIsRefusedWhole() {
        store.enqueue(List.of(job(1), job(2), job(3)), 5);
        Map<String, String> before = raw.snapshot();

        List<NewJob> three = List.of(job(4), job(5), job(6));
        assertThatThrownBy(() -> store.enqueue(three, 5))
                .isInstanceOf(QueueFullException.class)
                .hasMessageContaining("'q1'")
                .hasMessageContaining("5");

        assertThat(raw.snapshot()).isEqualTo(before);
        assertThat(store.enqueue(List.of(job(4), job(5)), 5)).hasSize(2);
        assertThat(queues.depth(Q)).isEqualTo(5);
        assertThatThrownBy(() -> store.enqueue(List.of(job(6)), 5)).isInstanceOf(QueueFullException.class);
        assertThat(store.enqueue(List.of(job(6)), 0)).hasSize(1); // 0: no limit
        assertThat(queues.depth(Q)).isEqualTo(6);
    }

    @Test
    void invalidJobsAreRefusedBeforeRedisIsTouched() {
        List<ThrowingCallable> invalid = new ArrayList<>();
        invalid.add(() -> store.enqueue(NewJob.of("Bad Queue", "t", null)));
        invalid.add(() -> store.enqueue(NewJob.of("{q}", "t", null)));
        invalid.add(() -> store.enqueue(NewJob.of("", "t", null)));
        invalid.add(() -> store.enqueue(NewJob.of("q".repeat(65), "t", null)));
        invalid.add(() -> store.enqueue(NewJob.of(Q, "bad type", null)));
        invalid.add(() -> store.enqueue(NewJob.of(Q, "", null)));
        invalid.add(() -> store.enqueue(NewJob.of(Q, null, null)));
        invalid.add(() -> store.enqueue(job(1).withDelay(Duration.ofMillis(-1))));
        invalid.add(() -> store.enqueue(
                job(1).withDelay(Duration.ofSeconds(1)).withRunAt(Instant.now().plusSeconds(5))));
        invalid.add(() -> store.enqueue(job(1).withId("has space")));
        invalid.add(() -> store.enqueue(job(1).withIdempotencyKey("")));
        invalid.add(() -> store.enqueue(job(1).withIdempotencyKey("k".repeat(256))));
        invalid.add(() -> store.enqueue(job(1).withMaxAttempts(0)));
        invalid.add(() -> store.enqueue(job(1).withTimeout(Duration.ZERO)));
        for (ThrowingCallable call : invalid) {
            assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(raw.dbSize()).isZero();
    }

    @Test
    void validationMessagesNameTheBadValue() {
        assertThatThrownBy(() -> NewJob.of("Bad Queue", "t", null)).hasMessageContaining("'Bad Queue'");
        assertThatThrownBy(() -> NewJob.of(Q, "bad type", null)).hasMessageContaining("'bad type'");
        assertThatThrownBy(() -> job(1).withDelay(Duration.ofMillis(-5))).hasMessageContaining("-5 ms");
        assertThatThrownBy(() -> job(1).withDelay(Duration.ofSeconds(1)).withRunAt(Instant.now()))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> job(1).withMaxAttempts(1001)).hasMessageContaining("1001");
    }
}
