package io.jobfleet.worker;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.Partitions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The partitions of this worker's queues, as the fleet's partition hash says (read at most once a
 * second, so a changed count is seen within about a second). While Redis is unreachable the last
 * layout read is kept, so the loops that ask keep their usual outage handling.
 */
final class Layout {
    private final Partitions partitions;
    private final Set<String> queues;
    private volatile Map<String, List<Partition>> last = Map.of();

    Layout(Partitions partitions, Set<String> queues) {
        this.partitions = partitions;
        this.queues = queues;
    }

    /** Queue -> its partitions ({@code q}, {@code q~1}, ...). */
    Map<String, List<Partition>> current() {
        try {
            Map<String, List<Partition>> now = new LinkedHashMap<>();
            for (String queue : queues) now.put(queue, partitions.list(queue));
            last = now;
            return now;
        } catch (RedisUnavailableException e) {
            if (last.isEmpty()) throw e;
            return last;
        }
    }

    List<Partition> partitions(String queue) {
        return current().get(queue);
    }

    /** Every partition of every queue. */
    List<Partition> all() {
        List<Partition> all = new ArrayList<>();
        current().values().forEach(all::addAll);
        return all;
    }
}
