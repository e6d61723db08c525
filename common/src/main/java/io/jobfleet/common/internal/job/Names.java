package io.jobfleet.common.internal.job;

import java.util.regex.Pattern;

/**
 * The rules for queue names and job types. A queue name becomes a Redis hash tag, so it may not
 * hold braces, and it stays short and printable so keys, metrics labels and URLs stay sane.
 *
 * <p>Partition {@code k > 0} of a partitioned queue {@code q} lives under the physical name
 * {@code q~k}, its own hash tag; partition 0 is {@code q} itself. Users never give a physical
 * name: {@link #checkQueue} refuses '~', only {@link #checkPhysical} accepts it.
 */
public final class Names {
    private static final Pattern QUEUE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern PHYSICAL = Pattern.compile("([a-z0-9][a-z0-9_.-]{0,63})~([1-9][0-9]?)");
    /** Separates a queue name from its partition number in a physical queue name. */
    public static final char PARTITION_SEPARATOR = '~';
    /** Most partitions a queue may have. */
    public static final int MAX_PARTITIONS = 64;

    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    private Names() {}

    public static String checkQueue(String queue) {
        if (queue == null || !QUEUE.matcher(queue).matches()) {
            throw new IllegalArgumentException("queue name '" + queue
                    + "' is not valid: use 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter or digit");
        }
        return queue;
    }

    /** A queue name or the physical name of one of its partitions ({@code q~k}, k in 1..63). */
    public static String checkPhysical(String name) {
        if (name != null && name.indexOf(PARTITION_SEPARATOR) >= 0) {
            var m = PHYSICAL.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(2)) < MAX_PARTITIONS) return name;
            throw new IllegalArgumentException("'" + name + "' is not a partition of a queue");
        }
        return checkQueue(name);
    }

    /** The physical name of partition {@code k} of {@code queue}: the queue itself for 0, else {@code queue~k}. */
    public static String partition(String queue, int k) {
        return k == 0 ? queue : queue + PARTITION_SEPARATOR + k;
    }

    /** The queue a physical name belongs to ({@code q~3 -> q}; a plain name is its own queue). */
    public static String logical(String physical) {
        int at = physical.indexOf(PARTITION_SEPARATOR);
        return at < 0 ? physical : physical.substring(0, at);
    }

    /** The partition number of a physical name ({@code q~3 -> 3}, {@code q -> 0}). */
    public static int partitionOf(String physical) {
        int at = physical.indexOf(PARTITION_SEPARATOR);
        return at < 0 ? 0 : Integer.parseInt(physical.substring(at + 1));
    }

    public static String checkType(String type) {
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException(
                    "job type '" + type
                            + "' is not valid: use 1-128 of A-Z, a-z, 0-9, '_', '.', ':', '-', starting with a letter or digit");
        }
        return type;
    }
}
