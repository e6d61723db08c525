package io.jobfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "enqueue",
        mixinStandardHelpOptions = true,
        description = "Enqueue one job and print its id.",
        footer = {
            "",
            "Examples:",
            "  jobfleet enqueue default echo --payload '{\"hello\":\"world\"}'",
            "  jobfleet enqueue ingest fetch --payload '{\"url\":\"s3://b/k\"}' --idempotency-key ingest-42 --delay 30s"
        })
final class EnqueueCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Parameters(index = "0", paramLabel = "QUEUE", description = "Queue name")
    String queue;

    @Parameters(index = "1", paramLabel = "TYPE", description = "Job type (the handler that runs it)")
    String type;

    @Option(
            names = "--payload",
            paramLabel = "JSON",
            defaultValue = "{}",
            description = "Job payload, JSON (default {})")
    String payload;

    @Option(
            names = "--idempotency-key",
            paramLabel = "KEY",
            description = "Same key and payload within 24 h: the original job")
    String idempotencyKey;

    @Option(
            names = "--delay",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Run after this delay, e.g. 30s")
    Duration delay;

    @Option(
            names = "--run-at",
            paramLabel = "TIME",
            description = "Run at this ISO-8601 instant, e.g. 2026-01-01T09:00:00Z")
    String runAt;

    @Option(
            names = "--priority",
            paramLabel = "LEVEL",
            defaultValue = "normal",
            description = "normal (the tail of the queue) or high (the head: claimed next)")
    Priority priority;

    @Option(
            names = "--max-attempts",
            paramLabel = "N",
            description = "Attempts before the job is dead (default: the worker's)")
    Integer maxAttempts;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long one attempt may run (default: the worker's)")
    Duration timeout;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    enum Priority {
        normal,
        high
    }

    @Override
    public Integer call() {
        JsonNode body;
        try {
            body = Json.read(payload);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--payload is " + e.getMessage());
        }
        Instant at = null;
        if (runAt != null) {
            try {
                at = Instant.parse(runAt);
            } catch (DateTimeParseException e) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "--run-at '" + runAt + "' is not an ISO-8601 instant such as 2026-01-01T09:00:00Z");
            }
        }
        NewJob job = NewJob.of(queue, type, body)
                .withIdempotencyKey(idempotencyKey)
                .withDelay(delay)
                .withRunAt(at)
                .withHighPriority(priority == Priority.high)
                .withMaxAttempts(maxAttempts)
                .withTimeout(timeout);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            EnqueueResult result = new JobStore(connection, Retention.DEFAULT).enqueue(job);
            if (json) {
                System.out.println(Json.write(Map.of("id", result.id(), "queue", queue, "status", result.status())));
            } else {
                System.out.println(result.id()
                        + (result.status() == EnqueueResult.Status.REPLAYED
                                ? " (already enqueued with this idempotency key)"
                                : ""));
            }
        }
        return ExitCodes.OK;
    }
}
