package io.jobfleet.common.job;

import java.util.regex.Pattern;

/**
 * The rules for queue names and job types. A queue name becomes a Redis hash tag, so it may not
 * hold braces, and it stays short and printable so keys, metrics labels and URLs stay sane.
 */
public final class Names {
    private static final Pattern QUEUE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    private Names() {}

    public static String checkQueue(String queue) {
        if (queue == null || !QUEUE.matcher(queue).matches()) {
            throw new IllegalArgumentException("queue name '" + queue
                    + "' is not valid: use 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter or digit");
        }
        return queue;
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
