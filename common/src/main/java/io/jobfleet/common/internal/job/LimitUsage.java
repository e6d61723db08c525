package io.jobfleet.common.internal.job;

/**
 * One flow-control limit of a queue as read now: its scope ({@code type:embed}, {@code key:t1},
 * {@code key:*}, ...), whether it bounds running jobs or starts per period, its value, and how
 * much of it is used: jobs running, or starts in the last period. A wildcard limit
 * ({@code key:*}) holds for each key on its own, so it has no usage of its own ({@code used} is
 * -1); the keys seen under it are limits of their own, with {@code from} naming the wildcard.
 */
public record LimitUsage(String scope, Kind kind, long limit, long periodMs, long used, String from) {
    public enum Kind {
        CONCURRENCY,
        RATE;

        /** The metric label and JSON value: {@code concurrency} or {@code rate}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A wildcard scope ({@code key:*}, {@code group:*}): the limit of each key or group. */
    public boolean perScope() {
        return used < 0;
    }

    /** used / limit: 1 is saturated (a job of this scope waits for it). 0 for a wildcard. */
    public double usage() {
        return used < 0 || limit <= 0 ? 0 : (double) used / limit;
    }

    /** {@code concurrency 5/5} or {@code rate 37/100 per 1m}; {@code concurrency 5 each} for a wildcard. */
    public String describe() {
        String per = kind == Kind.RATE ? " per " + period(periodMs) : "";
        return kind.label() + (used < 0 ? " " + limit + per + " each" : " " + used + "/" + limit + per);
    }

    /** 1s, 1m, 1h, 250ms: a period as limits are written. */
    public static String period(long ms) {
        if (ms > 0 && ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms > 0 && ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms > 0 && ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
