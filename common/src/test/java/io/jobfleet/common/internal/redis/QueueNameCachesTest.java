package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.NewJob;
import org.junit.jupiter.api.Test;

/**
 * A producer's per-queue memory stays bounded however many queue names it sees (review L6): the
 * registered-queue times and the round-robin positions keep the most recently used names only.
 */
class QueueNameCachesTest extends RealRedisTest {
    @Test
    void registeredQueuesStayBoundedAndAForgottenQueueIsRegisteredAgain() {
        int names = QueueNames.CAPACITY + 200;
        for (int i = 0; i < names; i++) store.enqueue(NewJob.of("many-" + i, "t", payload(i)));
        assertThat(store.registeredQueueCount()).isLessThanOrEqualTo(QueueNames.CAPACITY);
        assertThat(queues.queues()).hasSize(names);

        TestRedis.raw(redis, j -> j.srem(Keys.queues(), "many-0")); // the set lost it; the store forgot it
        store.enqueue(NewJob.of("many-0", "t", payload(0)));
        assertThat(queues.queues()).contains("many-0");
    }

    @Test
    void roundRobinPositionsStayBounded() {
        Partitions layout = Partitions.of(redis);
        for (int i = 0; i < QueueNames.CAPACITY + 200; i++) layout.pickIndex("many-" + i, null, null, 2);
        assertThat(layout.rotationCount()).isLessThanOrEqualTo(QueueNames.CAPACITY);
    }
}
