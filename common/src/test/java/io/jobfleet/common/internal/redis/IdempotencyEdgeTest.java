package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.EnqueueResult.Status;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The edges of idempotency (review L5): a key outlives a job due later than its TTL, a purge
 * forgets the key of the job it deletes, a pure replay goes through while the queue is full or
 * Redis memory is full, and the fingerprint covers the type and payload only.
 */
class IdempotencyEdgeTest extends RealRedisTest {
    private static NewJob keyed(String key, int n) {
        return job(n).withIdempotencyKey(key);
    }

    @Test
    void aKeyLivesItsTtlPastTheTimeItsJobIsDue() {
        Duration idemTtl = Retention.DEFAULT.idempotency();
        store.enqueue(keyed("later", 1).withRunAt(Instant.now().plus(Duration.ofDays(2))));
        long ttl = raw.pttl(raw.keys().idempotency("later"));
        assertThat(ttl)
                .as("ms the key lives")
                .isGreaterThan(Duration.ofDays(2).plus(idemTtl).toMillis() - 60_000);

        store.enqueue(keyed("now", 2));
        assertThat(raw.pttl(raw.keys().idempotency("now"))).isBetween(idemTtl.toMillis() - 10_000, idemTtl.toMillis());
    }

    @Test
    void purgingADeadJobForgetsItsKeySoTheClientCanSubmitAgain() {
        EnqueueResult first = store.enqueue(keyed("order-7", 7));
        leases.fail(claimOne(), error(1, "boom"), -1, 5, "dead");
        assertThat(queues.purge(Q, List.of(first.id()))).isEqualTo(1);

        assertThat(raw.exists(raw.keys().idempotency("order-7")))
                .as("key after the purge")
                .isFalse();
        EnqueueResult again = store.enqueue(keyed("order-7", 7));
        assertThat(again.status()).isEqualTo(Status.CREATED);
        assertThat(again.id()).isNotEqualTo(first.id());
    }

    @Test
    void aPurgeLeavesAKeyThatNamesAnotherJob() {
        EnqueueResult first = store.enqueue(keyed("k", 1));
        leases.fail(claimOne(), error(1, "boom"), -1, 5, "dead");
        TestRedis.raw(redis, j -> j.set(raw.keys().idempotency("k"), "00000000000000000001|fp"));
        queues.purge(Q, List.of(first.id()));
        assertThat(raw.exists(raw.keys().idempotency("k"))).isTrue();
    }

    @Test
    void aPureReplayIsAnsweredWhileTheQueueIsFull() {
        EnqueueResult first = store.enqueue(List.of(keyed("k", 1)), 1).get(0);
        EnqueueResult again = store.enqueue(List.of(keyed("k", 1)), 1).get(0); // depth 1 of 1: full
        assertThat(again.status()).isEqualTo(Status.REPLAYED);
        assertThat(again.id()).isEqualTo(first.id());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.enqueue(List.of(keyed("k2", 2)), 1))
                .isInstanceOf(io.jobfleet.common.error.QueueFullException.class);
        assertThat(queues.depth(Q)).isEqualTo(1);
    }

    @Test
    @Tag("single-server") // sets maxmemory on its server
    void aPureReplayIsAnsweredWhileRedisMemoryIsFull() {
        EnqueueResult first = store.enqueue(keyed("k", 1));
        JobStore otherProcess = new JobStore(redis, retention()); // has not registered the queue yet
        TestRedis.raw(redis, j -> j.configSet("maxmemory", "1"));
        try {
            EnqueueResult again = otherProcess.enqueue(keyed("k", 1));
            assertThat(again.status()).isEqualTo(Status.REPLAYED);
            assertThat(again.id()).isEqualTo(first.id());
        } finally {
            TestRedis.raw(redis, j -> j.configSet("maxmemory", "0"));
        }
    }

    @Test
    void theFingerprintCoversTypeAndPayloadOnly() {
        EnqueueResult first = store.enqueue(keyed("k", 1));
        NewJob sameButScheduling = keyed("k", 1)
                .withDelay(Duration.ofHours(1))
                .withHighPriority(true)
                .withMaxAttempts(9);
        EnqueueResult again = store.enqueue(sameButScheduling);
        assertThat(again.status())
                .as("other runAt, priority, maxAttempts: a replay")
                .isEqualTo(Status.REPLAYED);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(record(first.id()).maxAttempts()).isNotEqualTo(Integer.valueOf(9));
        NewJob otherType = NewJob.of(Q, "other.type", Json.read("{\"n\":1}")).withIdempotencyKey("k");
        assertThat(store.enqueue(List.of(otherType), 0).get(0).status()).isEqualTo(Status.CONFLICT);
    }
}
