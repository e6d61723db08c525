package io.jobfleet.common.job;

/** A worker as it describes itself in its heartbeat. Times are epoch ms. */
public record WorkerInfo(
        String id,
        String host,
        long pid,
        String queues,
        int slots,
        int busy,
        long startedAt,
        long lastBeat,
        String version) {}
