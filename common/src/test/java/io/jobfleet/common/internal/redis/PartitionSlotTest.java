package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A partitioned queue on a real cluster node (one cluster-enabled redis-server serving every
 * slot, as {@link ClusterSlotTest}): every key of a partition hashes to one slot, partitions to
 * different slots, and every operation through the partitions runs without CROSSSLOT.
 */
class PartitionSlotTest extends ClusterNodeTest {
    @Test
    void everyKeyOfAPartitionSharesOneSlotAndPartitionsHaveTheirOwn() {
        Set<Integer> slots = new HashSet<>();
        for (int k = 0; k < 3; k++) {
            Keys keys = Keys.of(Names.partition("orders", k));
            List<String> all = List.of(
                    keys.pending(),
                    keys.active(),
                    keys.scheduled(),
                    keys.dead(),
                    keys.paused(),
                    keys.stats(),
                    keys.watched(),
                    keys.job("01abc"),
                    keys.steps("01abc"),
                    keys.idempotency("key"),
                    keys.events("01abc"),
                    keys.minute(1));
            Set<Integer> mine = new HashSet<>();
            for (String key : all) mine.add(JedisClusterCRC16.getSlot(key));
            System.out.println("partition " + keys.queue() + ": slot " + mine);
            assertThat(mine).hasSize(1);
            slots.addAll(mine);
        }
        assertThat(slots).hasSize(3);
    }

    @Test
    void everyOperationRunsThroughPartitionsOnAClusterNode() {
        String queue = "orders";
        Partitions.of(redis).declare(queue, 3);
        store.enqueue(
                IntStream.range(0, 12)
                        .mapToObj(i -> NewJob.of(queue, "t", payload(i)))
                        .toList(),
                0);
        for (int i = 0; i < 6; i++)
            store.enqueue(NewJob.of(queue, "t", payload(100 + i)).withIdempotencyKey("key-" + i));
        store.enqueue(NewJob.of(queue, "t", payload(200)).withDelay(Duration.ofMillis(20)));
        assertThat(queues.counts(queue).pending()).isEqualTo(18);
        List<ClaimedJob> claimed = new ArrayList<>();
        for (String physical : queues.physical(queue)) {
            claimed.addAll(leases.claim(Partition.parse(physical), 4, Duration.ofSeconds(30), "w")
                    .jobs());
        }
        assertThat(claimed).hasSize(12);
        for (int i = 0; i < 3; i++) { // one of each partition's first jobs: ack, fail to dead, release, cancel
            ClaimedJob a = claimed.get(i * 4), b = claimed.get(i * 4 + 1), c = claimed.get(i * 4 + 2);
            ClaimedJob d = claimed.get(i * 4 + 3);
            assertThat(leases.renew(Partition.parse(a.queue()), Duration.ofSeconds(30), Map.of(a.id(), a.token())))
                    .isEmpty();
            leases.ack(Partition.parse(a.queue()), List.of(new Leases.Ack(a.id(), a.token(), null)));
            leases.fail(b, error(1, "x"), -1, 5, "dead");
            leases.release(c, Duration.ZERO);
            assertThat(store.cancel(queue, d.id())).isEqualTo(JobState.ACTIVE);
        }
        awaitServerTimePast(redis.serverTimeMs() + 30);
        long promoted = 0;
        for (String physical : queues.physical(queue)) {
            promoted += leases.promote(Partition.parse(physical), 10).count();
            assertThat(leases.reap(Partition.parse(physical), 10, 5).ids()).isEmpty();
        }
        assertThat(promoted).isEqualTo(1);
        DeadLetters letters = new DeadLetters(redis);
        assertThat(letters.count(queue)).isEqualTo(3);
        List<String> dead = letters.ids(queue, 0, 10);
        assertThat(letters.records(queue, dead)).hasSize(3);
        assertThat(queues.requeue(queue, dead.subList(0, 2), false)).isEqualTo(2);
        assertThat(queues.purge(queue, dead.subList(2, 3))).isEqualTo(1);
        queues.pause(queue);
        queues.resume(queue);
        assertThat(queues.stats(queue)).containsEntry("succeeded", "3").containsEntry("cancelled", "3");
        assertThat(queues.counts(queue).pending()).isEqualTo(18 - 12 + 3 + 1 + 2);
    }
}
