package io.jobfleet.common.job;

import io.jobfleet.common.internal.job.Names;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet-wide flow-control limit of one scope of a queue: at most {@code concurrency} jobs
 * running at once, and at most {@code rate} job starts per {@code period} (either or both).
 * Scopes: {@code queue} (the whole queue), {@code type:<type>}, {@code key:<limitKey>},
 * {@code key:*} (each limit key on its own), {@code group:<group>}, {@code group:*} (each group on
 * its own); a specific {@code key:K} or {@code group:G} limit wins over the {@code *} one.
 * Validated on the way in: a bad value throws {@link IllegalArgumentException} naming the field.
 */
public record Limit(String queue, String scope, Integer concurrency, Integer rate, Duration period) {
    /** The highest concurrency or rate a limit may have. */
    public static final int MAX = 100_000;
    /** The shortest rate period. */
    public static final Duration MIN_PERIOD = Duration.ofMillis(100);
    /** The longest rate period. */
    public static final Duration MAX_PERIOD = Duration.ofDays(1);

    private static final Pattern RATE = Pattern.compile("(\\d{1,9})/(\\d{0,9})(ms|s|m|h|d)");
    private static final Pattern PERIOD = Pattern.compile("(\\d{0,9})(ms|s|m|h|d)");

    public Limit {
        Names.checkQueue(queue);
        checkScope(scope);
        if (concurrency == null && rate == null) {
            throw new IllegalArgumentException("concurrency or rate: a limit needs at least one of them");
        }
        if (concurrency != null) checkRange("concurrency", concurrency);
        if (rate != null && period == null) throw new IllegalArgumentException("period is missing: a rate needs one");
        if (rate == null && period != null) throw new IllegalArgumentException("rate is missing: a period needs one");
        if (rate != null) {
            checkRange("rate", rate);
            if (period.compareTo(MIN_PERIOD) < 0 || period.compareTo(MAX_PERIOD) > 0) {
                throw new IllegalArgumentException("period must be 100ms..1d, got " + periodText(period));
            }
        }
    }

    /** At most {@code n} jobs of {@code scope} running at once. */
    public static Limit concurrency(String queue, String scope, int n) {
        return new Limit(queue, scope, n, null, null);
    }

    /** At most {@code n} starts of {@code scope} per {@code period}. */
    public static Limit rate(String queue, String scope, int n, Duration period) {
        return new Limit(queue, scope, null, n, period);
    }

    /** At most {@code rate} starts per period, written {@code N/PERIOD}: {@code 100/1s}, {@code 600/m}, {@code 5/500ms}. */
    public static Limit rate(String queue, String scope, String rate) {
        Rate parsed = Rate.parse(rate);
        return new Limit(queue, scope, null, parsed.count(), parsed.period());
    }

    /** This limit with another concurrency (null: none). */
    public Limit withConcurrency(Integer n) {
        return new Limit(queue, scope, n, rate, period);
    }

    /** This limit with another rate (both null: none). */
    public Limit withRate(Integer n, Duration per) {
        return new Limit(queue, scope, concurrency, n, per);
    }

    /** This limit with the rate {@code N/PERIOD} (see {@link #rate(String, String, String)}). */
    public Limit withRate(String text) {
        Rate parsed = Rate.parse(text);
        return withRate(parsed.count(), parsed.period());
    }

    /** True for {@code key:*} and {@code group:*}: a limit each key or group has on its own. */
    public boolean perEach() {
        return scope.endsWith(":*");
    }

    /** The rate as {@code N/PERIOD} ({@code 100/1s}), or null without one. */
    public String rateText() {
        return rate == null ? null : rate + "/" + periodText(period);
    }

    /** A rate: {@code count} starts per {@code period}. */
    public record Rate(int count, Duration period) {
        /**
         * Reads {@code N/PERIOD}: a count, '/', and a period as a number and a unit (ms, s, m, h, d),
         * the number 1 when left out: {@code 100/1s}, {@code 100/s}, {@code 600/1m}, {@code 5/500ms}.
         * The ranges are checked by {@link Limit}.
         */
        public static Rate parse(String text) {
            Matcher m = text == null ? null : RATE.matcher(text.strip());
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException("rate '" + text + "' is not N/PERIOD: e.g. 100/1s, 600/1m, 5/500ms");
            }
            return new Rate(Integer.parseInt(m.group(1)), duration(m.group(2), m.group(3)));
        }
    }

    /** Reads a period as a number and a unit: {@code 500ms}, {@code 1s}, {@code s}, {@code 5m}, {@code 1h}, {@code 1d}. */
    public static Duration parsePeriod(String text) {
        Matcher m = text == null ? null : PERIOD.matcher(text.strip());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("period '" + text + "' is not a number and a unit: e.g. 500ms, 1s, 1m");
        }
        return duration(m.group(1), m.group(2));
    }

    /** A period in its largest exact unit: {@code 1s}, {@code 90s}, {@code 1m}, {@code 250ms}. */
    public static String periodText(Duration period) {
        long ms = period.toMillis();
        if (ms <= 0 || ms % 1000 != 0) return ms + "ms";
        long s = ms / 1000;
        if (s % 86_400 == 0) return s / 86_400 + "d";
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }

    /**
     * Checks a scope: {@code queue}, {@code type:<type>} (a valid job type), {@code key:<k>},
     * {@code key:*}, {@code group:<g>} or {@code group:*} (k and g 1-128 printable ASCII without
     * spaces, as a job's limit key and group). Returns it.
     */
    public static String checkScope(String scope) {
        if ("queue".equals(scope)) return scope;
        int colon = scope == null ? -1 : scope.indexOf(':');
        String kind = colon < 0 ? "" : scope.substring(0, colon);
        String name = colon < 0 ? "" : scope.substring(colon + 1);
        switch (kind) {
            case "type" -> {
                try {
                    Names.checkType(name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("scope: " + e.getMessage(), e);
                }
            }
            case "key", "group" -> {
                if (!name.equals("*")) NewJob.checkKey("scope: the " + kind, name);
            }
            default ->
                throw new IllegalArgumentException("scope must be queue, type:<type>, key:<key>, key:*, group:<group>"
                        + " or group:*, got '" + shorten(scope) + "'");
        }
        return scope;
    }

    private static void checkRange(String field, int value) {
        if (value < 1 || value > MAX)
            throw new IllegalArgumentException(field + " must be 1.." + MAX + ", got " + value);
    }

    private static Duration duration(String number, String unit) {
        long n = number.isEmpty() ? 1 : Long.parseLong(number);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static String shorten(String text) {
        if (text == null) return "null";
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
