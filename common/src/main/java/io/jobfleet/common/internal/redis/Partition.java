package io.jobfleet.common.internal.redis;

import io.jobfleet.common.internal.job.Names;

/**
 * One physical partition of a queue: where a job lives and what a claim, renewal, ack, reap or
 * promotion works on. Partition 0 is the queue itself ({@code q}); partition {@code k > 0} is
 * named {@code q~k} and has its own hash tag (see {@link Names#partition}). A plain
 * {@code String} queue name, by contrast, means the whole logical queue.
 */
public record Partition(String queue, int index) {
    public Partition {
        Names.checkQueue(queue);
        if (index < 0 || index >= Names.MAX_PARTITIONS) {
            throw new IllegalArgumentException("partition " + index + " of queue '" + queue + "' is out of range");
        }
    }

    /** The only partition of an unpartitioned queue, and partition 0 of a partitioned one. */
    public static Partition first(String queue) {
        return new Partition(queue, 0);
    }

    /** The partition a physical name ({@code q} or {@code q~k}, as in a job record's queue) stands for. */
    public static Partition parse(String physical) {
        Names.checkPhysical(physical);
        return new Partition(Names.logical(physical), Names.partitionOf(physical));
    }

    /** Its physical name: the queue's for partition 0, else {@code queue~index}; its keys' hash tag. */
    public String name() {
        return Names.partition(queue, index);
    }

    /** The Redis keys of this partition. */
    public Keys keys() {
        return Keys.of(name());
    }

    @Override
    public String toString() {
        return name();
    }
}
