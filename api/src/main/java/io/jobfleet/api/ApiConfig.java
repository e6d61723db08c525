package io.jobfleet.api;

import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.internal.job.Redaction;
import java.time.Duration;
import java.util.Map;

/**
 * The API's settings, validated when built. {@code open} (no auth) is for {@code jobfleet dev}
 * only; otherwise at least one token is required.
 *
 * @param maxPending default pending depth past which enqueue answers 429 (0: no limit)
 * @param maxPendingByQueue per-queue overrides of {@code maxPending}
 * @param maxRunAhead how far in the future a run-at (or delay) may be
 */
public record ApiConfig(
        String host,
        int port,
        long maxBodyBytes,
        int maxBatch,
        long maxPending,
        Map<String, Long> maxPendingByQueue,
        Duration maxRunAhead,
        Tokens tokens,
        boolean open,
        Duration breakerOpenFor,
        Redaction redaction) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_BATCH = 1000;
    public static final long DEFAULT_MAX_PENDING = 1_000_000;
    public static final Duration DEFAULT_MAX_RUN_AHEAD = Duration.ofDays(365);
    public static final Duration DEFAULT_BREAKER_OPEN_FOR = Duration.ofSeconds(5);

    public ApiConfig {
        maxPendingByQueue = Map.copyOf(maxPendingByQueue);
        if (port < 0 || port > 65535) throw new ConfigException("API port must be 0..65535, got " + port);
        if (maxBodyBytes < 1024 || maxBodyBytes > 64L * 1024 * 1024) {
            throw new ConfigException("API max body must be 1 KiB..64 MiB, got " + maxBodyBytes + " bytes");
        }
        if (maxBatch < 1 || maxBatch > 10_000)
            throw new ConfigException("API max batch must be 1..10000, got " + maxBatch);
        if (maxPending < 0) throw new ConfigException("API max pending must be >= 0 (0: no limit), got " + maxPending);
        if (!open && tokens.isEmpty()) {
            throw new ConfigException(
                    "no API tokens: set JOBFLEET_API_TOKENS or --tokens-file (entries 'NAME ROLE sha256:HEX');"
                            + " only jobfleet dev runs without auth");
        }
    }

    /** Defaults, authenticated by {@code tokens}. */
    public static ApiConfig defaults(Tokens tokens) {
        return new ApiConfig(
                DEFAULT_HOST,
                DEFAULT_PORT,
                DEFAULT_MAX_BODY_BYTES,
                DEFAULT_MAX_BATCH,
                DEFAULT_MAX_PENDING,
                Map.of(),
                DEFAULT_MAX_RUN_AHEAD,
                tokens,
                false,
                DEFAULT_BREAKER_OPEN_FOR,
                Redaction.NONE);
    }

    /** Defaults with no authentication, on loopback, for jobfleet dev. */
    public static ApiConfig openForDev() {
        return new ApiConfig(
                "127.0.0.1",
                DEFAULT_PORT,
                DEFAULT_MAX_BODY_BYTES,
                DEFAULT_MAX_BATCH,
                DEFAULT_MAX_PENDING,
                Map.of(),
                DEFAULT_MAX_RUN_AHEAD,
                Tokens.none(),
                true,
                DEFAULT_BREAKER_OPEN_FOR,
                Redaction.NONE);
    }

    public ApiConfig withAddress(String newHost, int newPort) {
        return new ApiConfig(
                newHost,
                newPort,
                maxBodyBytes,
                maxBatch,
                maxPending,
                maxPendingByQueue,
                maxRunAhead,
                tokens,
                open,
                breakerOpenFor,
                redaction);
    }

    public ApiConfig withLimits(long body, int batch, long pending, Map<String, Long> pendingByQueue) {
        return new ApiConfig(
                host, port, body, batch, pending, pendingByQueue, maxRunAhead, tokens, open, breakerOpenFor, redaction);
    }

    /** Payload fields shown as "[redacted]" in job views. */
    public ApiConfig withRedaction(Redaction value) {
        return new ApiConfig(
                host,
                port,
                maxBodyBytes,
                maxBatch,
                maxPending,
                maxPendingByQueue,
                maxRunAhead,
                tokens,
                open,
                breakerOpenFor,
                value);
    }

    public long maxPending(String queue) {
        return maxPendingByQueue.getOrDefault(queue, maxPending);
    }
}
