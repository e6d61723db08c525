package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * With Redis memory full (maxmemory, noeviction) enqueue fails fast and writes nothing, while
 * workers keep claiming, renewing, failing and acking: every script but enqueue starts its writes
 * with a pop or a removal, which Redis allows when memory is full.
 */
@Tag("single-server") // its own server: options, kill/restart; not run against Cluster or Sentinel
@RedisServerExtension.Args({"--maxmemory", "2mb"})
class MemoryFullTest extends RealRedisTest {
    private static final String FILLER = "x".repeat(2_000);

    private static NewJob big(int n) {
        return NewJob.of(
                Q, "test.big", JsonNodeFactory.instance.objectNode().put("n", n).put("fill", FILLER));
    }

    /**
     * Enqueues batches, then single jobs, until Redis refuses even one job; each refused call
     * must have written nothing. Returns how many jobs went in.
     */
    private int fillUntilRefused() {
        int n = 0;
        for (int size : new int[] {20, 1}) {
            while (true) {
                List<NewJob> batch = new ArrayList<>();
                for (int i = 0; i < size; i++) batch.add(big(n + i));
                long keys = raw.dbSize();
                long depth = queues.depth(Q);
                try {
                    store.enqueue(batch, 0);
                    n += batch.size();
                    if (n > 100_000) throw new AssertionError("Redis never ran out of memory");
                } catch (RedisOutOfMemoryException e) {
                    assertThat(e.code()).isEqualTo("redis_out_of_memory");
                    assertThat(raw.dbSize()).as("keys after a refused enqueue").isEqualTo(keys);
                    assertThat(queues.depth(Q))
                            .as("depth after a refused enqueue")
                            .isEqualTo(depth);
                    break;
                }
            }
        }
        // Full now. Pin it there: lower maxmemory under what is used, so the small ups and downs of
        // client buffers cannot let a write through and everything below runs with memory full.
        long used = Long.parseLong(redis.info("memory", "used_memory"));
        TestRedis.raw(redis, j -> j.configSet("maxmemory", Long.toString(used * 3 / 4)));
        return n;
    }

    @AfterEach
    void unpin() {
        TestRedis.raw(redis, j -> j.configSet("maxmemory", "2mb"));
    }

    @Test
    void enqueueIsRefusedWithoutAHalfWrittenJobWhileWorkersDrain() {
        int enqueued = fillUntilRefused();
        assertThat(enqueued).isPositive();
        assertThat(queues.depth(Q)).isEqualTo(enqueued);

        // single enqueue, with and without idempotency key: refused, nothing written
        Map<String, String> full = raw.snapshot();
        assertThatThrownBy(() -> store.enqueue(big(-1))).isInstanceOf(RedisOutOfMemoryException.class);
        assertThatThrownBy(() -> store.enqueue(List.of(big(-1), big(-2)), 0))
                .isInstanceOf(RedisOutOfMemoryException.class);
        assertThatThrownBy(() -> store.enqueue(big(-2).withIdempotencyKey("k")))
                .isInstanceOf(RedisOutOfMemoryException.class);
        assertThatThrownBy(() -> store.enqueue(big(-3).withDelay(Duration.ofSeconds(5))))
                .isInstanceOf(RedisOutOfMemoryException.class);
        assertThat(raw.snapshot()).isEqualTo(full);

        // the blocking wait (BLMOVE) is a write Redis refuses now: it says so in jobfleet's own type,
        // which the worker takes as "maybe jobs" and claims anyway
        assertThatThrownBy(() -> leases.awaitJobs(P, Duration.ofMillis(100)))
                .isInstanceOf(RedisOutOfMemoryException.class);

        // a running job's lease is renewed with memory full
        ClaimedJob running = claimOne(Duration.ofSeconds(2), "w1");
        double deadline = raw.score(RawQueue.Place.ACTIVE, running.id());
        awaitServerTimePast((long) deadline - 1_900);
        assertThat(leases.renew(P, Duration.ofSeconds(30), Map.of(running.id(), running.token())))
                .isEmpty();
        assertThat(raw.score(RawQueue.Place.ACTIVE, running.id())).isGreaterThan(deadline + 20_000);
        assertThatThrownBy(() -> store.enqueue(big(-4))).isInstanceOf(RedisOutOfMemoryException.class);

        // failed attempts are recorded with memory full
        ClaimedJob failing = claimOne();
        assertThat(leases.fail(failing, error(1, "x"), -1, 5, "dead").dead()).isTrue();
        assertThatThrownBy(() -> store.enqueue(big(-5))).isInstanceOf(RedisOutOfMemoryException.class);

        // and the queue drains to zero
        assertThat(leases.ack(P, List.of(new Leases.Ack(running.id(), running.token(), null))))
                .containsExactly(ReportStatus.RECORDED);
        int acked = 1;
        while (true) {
            List<ClaimedJob> jobs = leases.claim(P, 50, LONG_LEASE, "w1").jobs();
            if (jobs.isEmpty()) break;
            List<Leases.Ack> acks = jobs.stream()
                    .map(j -> new Leases.Ack(j.id(), j.token(), null))
                    .toList();
            assertThat(leases.ack(P, acks)).containsOnly(ReportStatus.RECORDED);
            acked += jobs.size();
        }
        assertThat(acked).isEqualTo(enqueued - 1);
        assertThat(queues.depth(Q)).isZero();
        assertThat(raw.active()).isEmpty();
        assertThat(raw.stat("succeeded")).isEqualTo(enqueued - 1);
        assertThat(raw.stat("dead")).isEqualTo(1);
    }

    @Test
    void operatorAndRecoveryScriptsWorkWithMemoryFull() {
        List<EnqueueResult> cancelMe = store.enqueue(
                IntStream.range(0, 2).mapToObj(MemoryFullTest::big).toList(), 0);
        ClaimedJob expiring = claimOne(Duration.ofMillis(30), "w1");
        fillUntilRefused();

        awaitServerTimePast(raw.score(RawQueue.Place.ACTIVE, expiring.id()).longValue());
        assertThat(leases.reap(P, 10, 5).ids()).containsExactly(expiring.id());
        assertThat(store.cancel(Q, cancelMe.get(1).id())).isNotNull();
        ClaimedJob again = claimOne();
        assertThat(again.id()).isEqualTo(expiring.id());
        leases.release(again, Duration.ZERO);
        assertThat(raw.nextToClaim()).isEqualTo(expiring.id());
        assertThatThrownBy(() -> store.enqueue(big(-1))).isInstanceOf(RedisOutOfMemoryException.class);
    }
}
