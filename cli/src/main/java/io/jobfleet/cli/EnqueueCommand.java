package io.jobfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.Unique;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
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
            "  jobfleet enqueue ingest fetch --payload '{\"url\":\"s3://b/k\"}' --idempotency-key ingest-42 --delay 30s",
            "  jobfleet enqueue ingest embed --priority 5 --group tenant-7 --limit-key openai --expires-in 1h",
            "  jobfleet enqueue mail digest --unique-key digest-user-9 --unique-mode period --unique-period 1d"
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
            description = "0-9 (0, the default, is claimed first; 9 last, with aging),"
                    + " or high (the head of the queue: claimed next) or normal (0)")
    String priority;

    @Option(
            names = "--group",
            paramLabel = "GROUP",
            description = "Fairness group (a tenant): the groups of a queue are served round robin")
    String group;

    @Option(
            names = "--limit-key",
            paramLabel = "KEY",
            description = "The key the queue's key: limits count this job under (a tenant, a downstream account)")
    String limitKey;

    @Option(
            names = "--expires-in",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Discard the job, unrun, if it has not started within this, e.g. 10m")
    Duration expiresIn;

    @Option(
            names = "--unique-key",
            paramLabel = "KEY",
            description = "Unique job: at most one job of the queue holds this key (see --unique-mode)")
    String uniqueKey;

    @Option(
            names = "--unique-fields",
            paramLabel = "FIELD",
            split = ",",
            description = "Unique job keyed by the type and these payload fields, e.g. userId,day")
    List<String> uniqueFields;

    @Option(
            names = "--unique-mode",
            paramLabel = "MODE",
            description = "queued, active (the default), period or debounce (these two need --unique-period)")
    Unique.Mode uniqueMode;

    @Option(
            names = "--unique-period",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "The window of --unique-mode period or debounce, e.g. 1h")
    Duration uniquePeriod;

    @Option(
            names = "--on-conflict",
            paramLabel = "WHAT",
            description = "When the unique key is held: existing (answer that job; the default), replace or refuse")
    Unique.OnConflict onConflict;

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
                .withMaxAttempts(maxAttempts)
                .withTimeout(timeout);
        try {
            job = withFlowControl(job);
        } catch (IllegalArgumentException e) { // a bad flow-control flag: a usage error, nothing was written
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        try (Redis connection = redis.connect("jobfleet-cli")) {
            EnqueueResult result = new JobStore(connection, Retention.DEFAULT).enqueue(job);
            if (json) {
                System.out.println(Json.write(Map.of("id", result.id(), "queue", queue, "status", result.status())));
            } else if (result.status() != EnqueueResult.Status.REFUSED) {
                System.out.println(result.id() + note(result.status()));
            }
            if (result.status() == EnqueueResult.Status.REFUSED) {
                System.err.println("jobfleet: unique key '" + job.unique().key() + "' is held by job " + result.id()
                        + ": nothing was enqueued");
                return ExitCodes.FAILURE;
            }
        }
        return ExitCodes.OK;
    }

    private static String note(EnqueueResult.Status status) {
        return switch (status) {
            case REPLAYED -> " (already enqueued with this idempotency key)";
            case DUPLICATE -> " (a job with this unique key already exists)";
            case REPLACED -> " (a waiting job with this unique key: its payload was replaced)";
            default -> "";
        };
    }

    /** Priority, group, limit key, expiry and the unique rule; throws IllegalArgumentException naming the flag. */
    private NewJob withFlowControl(NewJob job) {
        job = withPriority(job);
        try {
            job = job.withGroup(group);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--group: " + e.getMessage(), e);
        }
        try {
            job = job.withLimitKey(limitKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--limit-key: " + e.getMessage(), e);
        }
        if (expiresIn != null) {
            Instant now = Instant.now();
            Instant expires = now.plus(expiresIn);
            Instant firstRun = job.runAt() != null ? job.runAt() : now.plus(delay == null ? Duration.ZERO : delay);
            if (!expires.isAfter(firstRun)) {
                throw new IllegalArgumentException("--expires-in " + Defaults.duration(expiresIn)
                        + " ends before the job may first run: it would expire unrun");
            }
            job = job.withExpiresAt(expires);
        }
        boolean unique = uniqueKey != null || uniqueFields != null;
        if (!unique && (uniqueMode != null || uniquePeriod != null || onConflict != null)) {
            throw new IllegalArgumentException(
                    "--unique-mode, --unique-period and --on-conflict need --unique-key or --unique-fields");
        }
        if (!unique) return job;
        try {
            return job.withUnique(new Unique(uniqueKey, uniqueFields, uniqueMode, uniquePeriod, onConflict));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--unique-*: " + e.getMessage(), e);
        }
    }

    private NewJob withPriority(NewJob job) {
        if (priority == null || priority.equalsIgnoreCase("normal")) return job;
        if (priority.equalsIgnoreCase("high")) return job.withHighPriority(true);
        if (priority.matches("[0-9]")) return job.withPriority(Integer.parseInt(priority));
        throw new IllegalArgumentException(
                "--priority must be 0-" + NewJob.MAX_PRIORITY + ", high or normal, got '" + priority + "'");
    }
}
