package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A partition as a value (its physical name both ways) and the one fan-out over the partitions a
 * name covers, against a real Redis layout.
 */
class PartitionFanOutTest extends RealRedisTest {
    private Partitions partitions;

    @BeforeEach
    void freshLayout() {
        partitions = redis.partitions();
        partitions.refresh(); // the flush emptied the hash; forget what an earlier test declared
    }

    @Test
    void aPartitionIsItsPhysicalNameBothWays() {
        assertThat(Partition.first("q1").name()).isEqualTo("q1");
        assertThat(new Partition("q1", 3).name()).isEqualTo("q1~3");
        assertThat(Partition.parse("q1~3")).isEqualTo(new Partition("q1", 3));
        assertThat(Partition.parse("q1")).isEqualTo(Partition.first("q1"));
        assertThat(new Partition("q1", 3).keys().prefix())
                .isEqualTo(Keys.of("q1~3").prefix());
        assertThatThrownBy(() -> Partition.parse("q1~0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Partition("q1", 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Partition("Q1", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aQueueNameCoversEveryPartitionAndAPhysicalNameOnlyItself() {
        assertThat(partitions.covering(Q)).containsExactly(P);
        partitions.declare(Q, 3);
        assertThat(partitions.covering(Q)).containsExactly(P, new Partition(Q, 1), new Partition(Q, 2));
        assertThat(partitions.each(Q, Partition::name)).containsExactly("q1", "q1~1", "q1~2");
        assertThat(partitions.covering("q1~2")).containsExactly(new Partition(Q, 2));
    }

    @Test
    void sumAddsEachPartitionsCount() {
        partitions.declare(Q, 3);
        for (int i = 0; i < 9; i++) enqueue(i);
        List<Long> depths = partitions.each(
                Q, p -> TestRedis.raw(redis, j -> j.llen(p.keys().pending())));
        assertThat(depths).hasSize(3).allSatisfy(d -> assertThat(d).isEqualTo(3));
        assertThat(partitions.sum(
                        Q, p -> TestRedis.raw(redis, j -> j.llen(p.keys().pending()))))
                .isEqualTo(9)
                .isEqualTo(queues.depth(Q));
        assertThat(partitions.sum(
                        "q1~1", p -> TestRedis.raw(redis, j -> j.llen(p.keys().pending()))))
                .isEqualTo(3);
    }
}
