package io.jobfleet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.error.IllegalTransitionException;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.error.QueueFullException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every operation of {@link JobfleetClient} against a real Redis. Jobs are run by hand with the
 * worker's own store calls (claim, ack, fail) on a second connection, as a worker would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobfleetClientTest {
    private static final String Q = "client";
    private static final Duration LEASE = Duration.ofMinutes(1);

    /** The worker side's connection is the extension's; flushed before each test. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.topology();

    private Redis workerRedis;
    private Leases worker;
    private JobfleetClient client;

    @BeforeAll
    void connectClient() {
        workerRedis = REDIS.redis();
        worker = new Leases(workerRedis, Retention.DEFAULT);
        client = JobfleetClient.connect(REDIS.url());
    }

    @AfterAll
    void closeClient() {
        if (client != null) client.close();
    }

    @Test
    void enqueueTakesIdempotencyKeyDelayPriorityAndRetryPolicy() {
        RetryPolicy policy = new RetryPolicy(200, 2.0, 10_000, 3);
        NewJob job = NewJob.of(Q, "mail", payload(1))
                .withIdempotencyKey("order-1")
                .withDelay(Duration.ofMinutes(5))
                .withBackoff(policy);

        EnqueueResult first = client.enqueue(job);
        EnqueueResult again = client.enqueue(job);

        assertThat(first.status()).isEqualTo(EnqueueResult.Status.CREATED);
        assertThat(again.status()).isEqualTo(EnqueueResult.Status.REPLAYED);
        assertThat(again.id()).isEqualTo(first.id());
        JobRecord record = client.get(Q, first.id()).orElseThrow();
        assertThat(record.state()).isEqualTo(JobState.SCHEDULED);
        assertThat(record.idemKey()).isEqualTo("order-1");
        assertThat(record.runAt() - record.createdAt()).isBetween(299_000L, 301_000L);
        assertThat(record.retryPolicy(RetryPolicy.DEFAULT)).isEqualTo(policy);
        assertThatThrownBy(() -> client.enqueue(NewJob.of(Q, "mail", payload(2)).withIdempotencyKey("order-1")))
                .isInstanceOf(IdempotencyConflictException.class);

        String normal = client.enqueue(NewJob.of(Q, "mail", payload(3))).id();
        String urgent = client.enqueue(NewJob.of(Q, "mail", payload(4)).withHighPriority(true))
                .id();
        assertThat(worker.claim(Partition.first(Q), 2, LEASE, "w").jobs())
                .extracting(ClaimedJob::id)
                .containsExactly(urgent, normal);
    }

    @Test
    void batchEnqueueAnswersEachJobAndRefusesPastMaxDepth() {
        List<NewJob> batch = List.of(
                NewJob.of(Q, "mail", payload(1)),
                NewJob.of(Q, "mail", payload(2)).withIdempotencyKey("b-2"),
                NewJob.of(Q, "mail", payload(3)));

        List<EnqueueResult> results = client.enqueue(batch);

        assertThat(results).extracting(EnqueueResult::status).containsOnly(EnqueueResult.Status.CREATED);
        assertThat(client.counts(Q).pending()).isEqualTo(3);
        assertThatThrownBy(() -> client.enqueue(List.of(NewJob.of(Q, "mail", payload(4))), 3))
                .isInstanceOf(QueueFullException.class);
        assertThat(client.enqueue(List.of(NewJob.of(Q, "mail", payload(2)).withIdempotencyKey("b-2")), 3))
                .extracting(EnqueueResult::status, EnqueueResult::id)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(
                        EnqueueResult.Status.REPLAYED, results.get(1).id()));
        assertThat(client.counts(Q).pending()).isEqualTo(3);
    }

    @Test
    void getAnswersEmptyForAnUnknownJob() {
        assertThat(client.get(Q, "no-such-job")).isEmpty();
    }

    @Test
    void cancelReturnsThePreviousStateAndRefusesFinishedJobs() {
        String id = client.enqueue(NewJob.of(Q, "mail", payload(1))).id();

        assertThat(client.cancel(Q, id)).isEqualTo(JobState.QUEUED);
        assertThat(client.cancel(Q, id)).isEqualTo(JobState.CANCELLED);
        assertThat(client.get(Q, id).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(client.counts(Q).pending()).isZero();
        assertThatThrownBy(() -> client.cancel(Q, "no-such-job")).isInstanceOf(JobNotFoundException.class);

        String done = client.enqueue(NewJob.of(Q, "mail", payload(2))).id();
        succeed(claimOne());
        assertThatThrownBy(() -> client.cancel(Q, done)).isInstanceOf(IllegalTransitionException.class);
    }

    @Test
    void awaitOutcomeReturnsTheRecordOnceAWorkerFinishesTheJob() throws Exception {
        String id = client.enqueue(NewJob.of(Q, "mail", payload(7))).id();
        Thread runner = Thread.ofVirtual().start(() -> {
            sleep(300);
            succeed(claimOne());
        });

        JobRecord record = client.awaitOutcome(Q, id, Duration.ofSeconds(10));

        runner.join();
        assertThat(record.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(record.result().path("n").asInt()).isEqualTo(7);
        assertThat(client.awaitOutcome(Q, id, Duration.ofMillis(1)).state())
                .as("a job already finished answers at once")
                .isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void awaitOutcomeEndsOnDeathAndTimesOutOnAJobThatWaits() throws Exception {
        String dying = client.enqueue(NewJob.of(Q, "mail", payload(1)).withMaxAttempts(1))
                .id();
        Thread runner = Thread.ofVirtual().start(() -> {
            sleep(300);
            die(claimOne());
        });
        assertThat(client.awaitOutcome(Q, dying, Duration.ofSeconds(10)).state())
                .isEqualTo(JobState.DEAD);
        runner.join();

        String waiting = client.enqueue(NewJob.of(Q, "mail", payload(2))).id();
        long started = System.nanoTime();
        assertThatThrownBy(() -> client.awaitOutcome(Q, waiting, Duration.ofMillis(500)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining(waiting);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));
        assertThatThrownBy(() -> client.awaitOutcome(Q, "no-such-job", Duration.ofSeconds(1)))
                .isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void pauseStopsClaimsAndResumeRestartsThem() {
        client.enqueue(NewJob.of(Q, "mail", payload(1)));

        client.pause(Q);
        assertThat(client.counts(Q).paused()).isTrue();
        assertThat(worker.claim(Partition.first(Q), 1, LEASE, "w").paused()).isTrue();

        client.resume(Q);
        assertThat(client.counts(Q).paused()).isFalse();
        assertThat(worker.claim(Partition.first(Q), 1, LEASE, "w").jobs()).hasSize(1);
        assertThat(client.counts(Q).active()).isEqualTo(1);
    }

    @Test
    void queuesListsEveryQueueThatHadAJob() {
        client.enqueue(NewJob.of("b-queue", "mail", payload(1)));
        client.enqueue(NewJob.of("a-queue", "mail", payload(1)));

        assertThat(client.queues()).containsExactly("a-queue", "b-queue");
    }

    @Test
    void deadLettersListShowRequeueRedriveAndPurge() {
        List<String> ids = List.of(deadJob(1), deadJob(2), deadJob(3), deadJob(4));
        DeadLetterQueue dlq = client.deadLetters();

        assertThat(dlq.count(Q)).isEqualTo(4);
        DeadLetters.Page page = dlq.list(Q, DeadLetters.Filter.ALL, 0, 3);
        assertThat(page.jobs()).extracting(DeadLetters.DeadJob::id).containsExactlyElementsOf(ids.subList(0, 3));
        assertThat(page.jobs().get(0).lastError()).contains("boom");
        assertThat(dlq.list(Q, DeadLetters.Filter.ALL, page.next(), 3).jobs())
                .extracting(DeadLetters.DeadJob::id)
                .containsExactly(ids.get(3));
        JobRecord shown = dlq.show(Q, ids.get(0)).orElseThrow();
        assertThat(shown.state()).isEqualTo(JobState.DEAD);
        assertThat(shown.payload().path("n").asInt()).isEqualTo(1);
        assertThat(shown.errors()).extracting(AttemptError::message).containsExactly("boom");

        assertThat(dlq.requeue(Q, List.of(ids.get(0)), true)).isEqualTo(1);
        assertThat(client.get(Q, ids.get(0)).orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(dlq.redrive(Q, List.of(ids.get(1)), "elsewhere")).isEqualTo(1);
        assertThat(client.get("elsewhere", ids.get(1)).orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(dlq.purge(Q, List.of(ids.get(2)))).isEqualTo(1);
        assertThat(client.get(Q, ids.get(2))).isEmpty();
        assertThat(dlq.count(Q)).isEqualTo(1);
        assertThat(dlq.show(Q, "no-such-job")).isEmpty();
    }

    private String deadJob(int n) {
        String id = client.enqueue(NewJob.of(Q, "mail", payload(n)).withMaxAttempts(1))
                .id();
        die(claimOne());
        return id;
    }

    private ClaimedJob claimOne() {
        List<ClaimedJob> jobs = worker.claim(Partition.first(Q), 1, LEASE, "w").jobs();
        assertThat(jobs).hasSize(1);
        return jobs.get(0);
    }

    private void succeed(ClaimedJob job) {
        worker.ack(
                Partition.first(Q),
                List.of(new Leases.Ack(
                        job.id(), job.token(), Json.write(job.record().payload()))));
    }

    private void die(ClaimedJob job) {
        worker.fail(
                job,
                new AttemptError(job.attempt(), "java.lang.IllegalStateException", "boom", null, "w", 0),
                10,
                1,
                null);
    }

    private static ObjectNode payload(int n) {
        return JsonNodeFactory.instance.objectNode().put("n", n);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
