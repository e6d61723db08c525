package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.WorkerInfo;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Live workers: a heartbeat keeps a worker listed, and a worker whose heartbeats stop drops out. */
class WorkerRegistryTest extends RealRedisTest {

    private static WorkerInfo worker(String id, int busy) {
        return new WorkerInfo(id, "host-1", 42, "q1,q2", 8, busy, 1_700_000_000_000L, 0, "1.0");
    }

    @Test
    void heartbeatListsTheWorkerWithServerTime() {
        WorkerRegistry registry = new WorkerRegistry(redis);
        long before = redis.serverTimeMs();
        registry.heartbeat(worker("w1", 3), Duration.ofSeconds(30));

        assertThat(registry.list()).singleElement().satisfies(w -> {
            assertThat(w.id()).isEqualTo("w1");
            assertThat(w.busy()).isEqualTo(3);
            assertThat(w.slots()).isEqualTo(8);
            assertThat(w.queues()).isEqualTo("q1,q2");
            assertThat(w.lastBeat()).isBetween(before, redis.serverTimeMs());
        });
        assertThat(raw.pttl(Keys.worker("w1"))).isBetween(1L, 30_000L);
    }

    @Test
    void workerWhoseHeartbeatsStopDropsOut() {
        WorkerRegistry registry = new WorkerRegistry(redis);
        registry.heartbeat(worker("dying", 0), Duration.ofMillis(30));
        registry.heartbeat(worker("alive", 0), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (raw.exists(Keys.worker("dying")) && System.nanoTime() < deadline) sleep(10);

        assertThat(registry.list()).extracting(WorkerInfo::id).containsExactly("alive");
        List<String> index = TestRedis.raw(redis, j -> j.zrange(Keys.workers(), 0, -1));
        assertThat(index).containsExactly("alive");
    }

    /** L6: the hash and its TTL are written by one script call, so no crash can leave a hash that never expires. */
    @Test
    void aHeartbeatWritesTheHashAndItsTtlInOneCall() {
        WorkerRegistry registry = new WorkerRegistry(redis);
        TestRedis.resetStats(redis);
        long trips = Redis.roundTrips();

        registry.heartbeat(worker("w1", 0), Duration.ofSeconds(30));

        assertThat(Redis.roundTrips() - trips).as("the script, then the index").isEqualTo(2);
        assertThat(TestRedis.commandCalls(redis, "evalsha")).isEqualTo(1);
        assertThat(raw.pttl(Keys.worker("w1"))).isBetween(1L, 30_000L);
        assertThat(TestRedis.hash(redis, Keys.worker("w1"))).containsKeys("host", "lastBeat", "version");
    }

    /** L6: list() reads every worker and drops every stale index entry in a fixed number of round trips. */
    @Test
    void listingCostsTheSameRoundTripsHoweverManyEntriesAreStale() {
        WorkerRegistry registry = new WorkerRegistry(redis);
        registry.heartbeat(worker("alive", 0), Duration.ofSeconds(30));
        for (int i = 0; i < 50; i++) {
            String id = "gone-" + i;
            TestRedis.raw(redis, j -> j.zadd(Keys.workers(), 1, id));
        }
        long trips = Redis.roundTrips();

        assertThat(registry.list()).extracting(WorkerInfo::id).containsExactly("alive");

        assertThat(Redis.roundTrips() - trips).isLessThanOrEqualTo(3);
        List<String> index = TestRedis.raw(redis, j -> j.zrange(Keys.workers(), 0, -1));
        assertThat(index).containsExactly("alive");
    }

    @Test
    void removedWorkerIsGone() {
        WorkerRegistry registry = new WorkerRegistry(redis);
        registry.heartbeat(worker("w1", 0), Duration.ofSeconds(30));
        registry.remove("w1");
        assertThat(registry.list()).isEmpty();
        assertThat(raw.dbSize()).isZero();
    }
}
