package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.Names;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shrinking a partitioned queue while producers hold an old layout (review M7): a dropped
 * partition is retired before the smaller count is written, so no enqueue can land in it
 * however stale the producer's layout; and a layout older than twice the refresh interval is
 * never used. A producer's refresh is held on a latch to make its layout stale on purpose.
 */
class PartitionShrinkTest extends RealRedisTest {
    private Partitions admin;

    @BeforeEach
    void freshLayout() {
        admin = Partitions.of(redis);
        admin.refresh();
    }

    private long jobsIn(String physical) {
        return TestRedis.<Set<String>>raw(redis, j -> j.keys(Keys.of(physical).prefix() + "job:*"))
                .size();
    }

    /** Holds the refresh of the thread that runs first into it until {@code release} opens. */
    private static CountDownLatch holdFirstRefresh(Partitions layout, CountDownLatch release) {
        CountDownLatch entered = new CountDownLatch(1);
        Thread[] holder = new Thread[1];
        layout.beforeRead = () -> {
            synchronized (holder) {
                if (holder[0] == null) holder[0] = Thread.currentThread();
                else if (holder[0] != Thread.currentThread()) return;
            }
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        return entered;
    }

    @Test
    void aProducerWithAStaleLayoutNeverWritesIntoADroppedPartition() throws Exception {
        admin.declare(Q, 3);
        try (Redis producerConnection = TestRedis.connect(server)) {
            Partitions layout = Partitions.of(producerConnection);
            JobStore producer = new JobStore(producerConnection, retention());
            long readAt = System.currentTimeMillis();
            layout.refresh(); // the producer knows 3 partitions
            admin.declare(Q, 2);
            sleep(Math.max(0, readAt + Partitions.REFRESH_MS + 300 - System.currentTimeMillis()));

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch entered = holdFirstRefresh(layout, release);
            CompletableFuture<?> a = CompletableFuture.runAsync(
                    () -> producer.enqueue(job(100)), command -> new Thread(command).start());
            assertThat(entered.await(10, TimeUnit.SECONDS))
                    .as("A's refresh is held")
                    .isTrue();
            // B: the refresh is A's, so B goes on with the layout of 1.3 s ago (3 partitions)
            producer.enqueue(IntStream.range(0, 3).mapToObj(RealRedisTest::job).toList(), 0);
            release.countDown();
            a.get(30, TimeUnit.SECONDS);
        }
        assertThat(jobsIn(Names.partition(Q, 2)))
                .as("jobs in the dropped partition")
                .isZero();
        long pendingInDropped =
                TestRedis.raw(redis, j -> j.llen(Keys.of(Names.partition(Q, 2)).pending()));
        assertThat(pendingInDropped).isZero();
        assertThat(queues.depth(Q)).as("every job reachable by queue name").isEqualTo(4);
    }

    @Test
    void aLayoutOlderThanTwiceTheRefreshIsReadAgainNotUsed() throws Exception {
        try (Redis producerConnection = TestRedis.connect(server)) {
            Partitions layout = Partitions.of(producerConnection);
            long readAt = System.currentTimeMillis();
            layout.refresh(); // one partition
            admin.declare(Q, 2);
            sleep(Math.max(0, readAt + 2 * Partitions.REFRESH_MS + 300 - System.currentTimeMillis()));

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch entered = holdFirstRefresh(layout, release);
            ExecutorService threads = Executors.newFixedThreadPool(2); // not the common pool: 1 thread on 2 cores
            try {
                Future<Integer> a = threads.submit(() -> layout.count(Q));
                assertThat(entered.await(10, TimeUnit.SECONDS))
                        .as("A's refresh is held")
                        .isTrue();
                int seenByB = threads.submit(() -> layout.count(Q)).get(30, TimeUnit.SECONDS);
                release.countDown();
                assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo(2);
                assertThat(seenByB).as("B's count while A's refresh is held").isEqualTo(2);
            } finally {
                release.countDown();
                threads.shutdownNow();
            }
        }
    }

    @Test
    void aShrinkRetiresTheDroppedPartitionsAndGrowingAgainReopensThem() {
        admin.declare(Q, 3);
        admin.declare(Q, 2);
        String dropped = Names.partition(Q, 2);
        assertThat(raw.exists(Keys.of(dropped).retired())).as("q1~2 retired").isTrue();
        assertThat(raw.exists(Keys.of(Names.partition(Q, 1)).retired())).isFalse();

        admin.declare(Q, 3);
        assertThat(raw.exists(Keys.of(dropped).retired())).as("q1~2 open again").isFalse();
        store.enqueue(IntStream.range(0, 6).mapToObj(RealRedisTest::job).toList(), 0);
        assertThat(TestRedis.<Long>raw(redis, j -> j.llen(Keys.of(dropped).pending())))
                .isEqualTo(2);

        // a refused shrink leaves nothing retired: the partition that holds jobs stays open
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.declare(Q, 2))
                .isInstanceOf(Partitions.RefusedException.class);
        assertThat(raw.exists(Keys.of(dropped).retired())).isFalse();
        store.enqueue(IntStream.range(0, 3).mapToObj(RealRedisTest::job).toList(), 0);
        assertThat(queues.depth(Q)).isEqualTo(9);
        assertThat(List.of(admin.count(Q))).containsExactly(3);
    }
}
