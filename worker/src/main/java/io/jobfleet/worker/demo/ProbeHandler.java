package io.jobfleet.worker.demo;

import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;
import java.time.Instant;
import java.util.Map;

/**
 * Returns when it started, {@code {"startedUs": <epoch microseconds>}}: {@code jobfleet bench
 * --worker-processes} reads it from each job's result to measure enqueue -> start across processes
 * (the same machine, so the same wall clock).
 */
public final class ProbeHandler implements JobHandler {
    @Override
    public String type() {
        return "bench.probe";
    }

    @Override
    public Object handle(JobContext ctx) {
        Instant now = Instant.now();
        return Map.of("startedUs", now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000);
    }
}
