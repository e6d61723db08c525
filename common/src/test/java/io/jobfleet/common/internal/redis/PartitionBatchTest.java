package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.EnqueueResult.Status;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.NewJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batches over partitions (review M8): when one partition refuses its part, the others' jobs are
 * answered as created and the refused ones as not enqueued, so a client resends only those and
 * nothing is duplicated; a job with a client-made id always goes to the same partition, so
 * enqueueing it again (a redrive run twice) replays.
 */
class PartitionBatchTest extends RealRedisTest {
    @BeforeEach
    void freshLayout() {
        Partitions.of(redis).refresh();
    }

    private long jobHashes(String queue, int partitions, String idPattern) {
        long n = 0;
        for (int k = 0; k < partitions; k++) {
            String prefix = Keys.of(Names.partition(queue, k)).prefix();
            n += TestRedis.<Set<String>>raw(redis, j -> j.keys(prefix + "job:" + idPattern))
                    .size();
        }
        return n;
    }

    @Test
    void aBatchWithOneBrokenPartitionAnswersEachJobAndAResendDuplicatesNothing() {
        queues.declarePartitions(Q, 2);
        String broken = Keys.of(Names.partition(Q, 1)).pending();
        TestRedis.raw(redis, j -> j.set(broken, "not a list")); // every write to q1~1 fails: WRONGTYPE
        List<NewJob> batch = IntStream.range(0, 4).mapToObj(RealRedisTest::job).toList();

        List<EnqueueResult> results = store.enqueue(batch, 0);

        assertThat(results)
                .extracting(EnqueueResult::status)
                .containsOnly(Status.CREATED, Status.NOT_ENQUEUED)
                .filteredOn(s -> s == Status.CREATED)
                .hasSize(2);
        List<NewJob> resend = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            EnqueueResult r = results.get(i);
            if (r.status() == Status.CREATED) {
                assertThat(store.get(Q, r.id()).orElseThrow().queue()).isEqualTo(Q);
            } else {
                assertThat(r.id()).isNull();
                assertThat(r.error().code()).isEqualTo("redis_error");
                resend.add(batch.get(i));
            }
        }
        TestRedis.raw(redis, j -> j.del(broken));
        TestRedis.raw(
                redis,
                j -> j.del(TestRedis.<Set<String>>raw(redis, r -> r.keys("jobfleet:{q1~1}:job:*"))
                        .toArray(String[]::new))); // what the failed script wrote before WRONGTYPE
        assertThat(store.enqueue(resend, 0)).extracting(EnqueueResult::status).containsOnly(Status.CREATED);
        assertThat(queues.depth(Q))
                .as("jobs after the client resent the refused ones")
                .isEqualTo(4);
        assertThat(jobHashes(Q, 2, "*")).isEqualTo(4);
    }

    @Test
    void aBatchRefusedEverywhereThrowsAndWritesNothingReachable() {
        queues.declarePartitions(Q, 2);
        TestRedis.raw(redis, j -> j.set(Keys.of(Q).pending(), "x"));
        TestRedis.raw(redis, j -> j.set(Keys.of(Names.partition(Q, 1)).pending(), "x"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.enqueue(
                        IntStream.range(0, 4).mapToObj(RealRedisTest::job).toList(), 0))
                .isInstanceOf(io.jobfleet.common.error.RedisCommandException.class);
    }

    @Test
    void aRedriveRunTwiceReplaysInsteadOfMakingASecondJobWithTheSameId() {
        String target = "t1";
        queues.declarePartitions(target, 2);
        List<NewJob> copies = IntStream.range(0, 5)
                .mapToObj(i -> NewJob.of(target, "test.job", payload(i)).withId(JobId.next()))
                .toList();
        JobStore targetStore = new JobStore(redis, retention());

        assertThat(targetStore.enqueue(copies, 0))
                .extracting(EnqueueResult::status)
                .containsOnly(Status.CREATED);
        assertThat(targetStore.enqueue(copies, 0))
                .extracting(EnqueueResult::status)
                .containsOnly(Status.REPLAYED);

        for (NewJob copy : copies) {
            assertThat(jobHashes(target, 2, copy.id()))
                    .as("job hashes with id %s", copy.id())
                    .isEqualTo(1);
        }
        assertThat(queues.depth(target)).isEqualTo(5);
    }

    @Test
    void anInterruptedRedriveRunAgainMovesEachJobOnce() {
        queues.declarePartitions("t1", 2);
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = enqueue(i);
            leases.fail(claimOne(), error(1, "boom"), -1, 5, "dead");
            dead.add(id);
        }
        JobStore targetStore = new JobStore(redis, retention());
        DeadLetters letters = new DeadLetters(redis);
        List<NewJob> copies = letters.records(Q, dead).stream()
                .map(r -> NewJob.of("t1", r.type(), r.payload()).withId(r.id()))
                .toList();
        targetStore.enqueue(copies, 0); // the first run: enqueued, then interrupted before the purge

        assertThat(letters.redrive(Q, dead, "t1", targetStore)).isEqualTo(3);
        assertThat(letters.count(Q)).isZero();
        assertThat(queues.depth("t1")).isEqualTo(3);
        for (String id : dead) assertThat(jobHashes("t1", 2, id)).isEqualTo(1);
    }
}
