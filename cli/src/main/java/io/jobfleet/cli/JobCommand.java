package io.jobfleet.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.job.Redaction;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.FlowView;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = "Show, cancel or reprioritize one job.",
        footer = {
            "",
            "Examples:",
            "  jobfleet job show default 01jc4x7q8r2m5t9v0wz3",
            "  jobfleet job cancel default 01jc4x7q8r2m5t9v0wz3",
            "  jobfleet job priority default 01jc4x7q8r2m5t9v0wz3 5"
        })
final class JobCommand {
    @Command(
            name = "show",
            footer = {"", "Example:", "  jobfleet job show default 01jc4x7q8r2m5t9v0wz3"},
            mixinStandardHelpOptions = true,
            description =
                    "Print the job record as JSON: state, attempts, errors, result, and the limit a waiting job waits for.")
    int show(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "ID") String id) {
        try (Redis connection = redis.connect("jobfleet-cli")) {
            JobRecord record = load(connection, queue, id);
            print(
                    record,
                    false,
                    new FlowView(connection).waitingFor(record.queue(), id).orElse(null));
            return ExitCodes.OK;
        }
    }

    static JobRecord load(Redis connection, String queue, String id) {
        Names.checkQueue(queue);
        return new JobStore(connection, Retention.DEFAULT)
                .get(queue, id)
                .orElseThrow(() -> new JobNotFoundException(queue, id));
    }

    /** Prints a job record as indented JSON, payload fields named in JOBFLEET_REDACT_FIELDS masked. */
    static void print(JobRecord record, boolean withoutPayload) {
        print(record, withoutPayload, null);
    }

    /** As {@link #print(JobRecord, boolean)}, with {@code waitingFor} ("waiting for limit ...") when the job waits on a limit. */
    static void print(JobRecord record, boolean withoutPayload, String waitingFor) {
        ObjectNode node = Json.MAPPER.valueToTree(
                Redaction.parse(System.getenv("JOBFLEET_REDACT_FIELDS")).apply(record));
        if (withoutPayload) node.remove("payload");
        node.put("queue", Names.logical(record.queue())); // a partitioned queue's job: its partition apart
        if (Names.partitionOf(record.queue()) > 0) node.put("partition", Names.partitionOf(record.queue()));
        if (waitingFor != null) node.put("waitingFor", waitingFor);
        try {
            System.out.println(Json.MAPPER
                    .writer()
                    .with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(
            name = "cancel",
            footer = {"", "Example:", "  jobfleet job cancel default 01jc4x7q8r2m5t9v0wz3"},
            mixinStandardHelpOptions = true,
            description = "Cancel a queued, scheduled or running job. A running job stops within about a second.")
    int cancel(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "ID") String id) {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            JobState was = new JobStore(connection, Retention.DEFAULT).cancel(queue, id);
            if (was != JobState.CANCELLED) {
                new AuditLog(connection)
                        .record(Actor.current(), "cancel", queue, 1, java.util.Map.of("id", id, "was", was.name()));
            }
            System.out.println(
                    was == JobState.CANCELLED ? id + " was already cancelled" : id + " cancelled (was " + was + ")");
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "priority",
            footer = {"", "Example:", "  jobfleet job priority default 01jc4x7q8r2m5t9v0wz3 5"},
            mixinStandardHelpOptions = true,
            description = "Change a waiting job's priority: 0 (claimed first) to 9 (last).")
    int priority(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "ID") String id,
            @Parameters(paramLabel = "PRIORITY") int priority) {
        Names.checkQueue(queue);
        if (priority < 0 || priority > NewJob.MAX_PRIORITY) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "PRIORITY must be 0-" + NewJob.MAX_PRIORITY + ", got " + priority);
        }
        try (Redis connection = redis.connect("jobfleet-cli")) {
            JobState state = new JobStore(connection, Retention.DEFAULT).prioritize(queue, id, priority);
            new AuditLog(connection)
                    .record(
                            Actor.current(),
                            "priority",
                            queue,
                            1,
                            java.util.Map.of("id", id, "priority", "" + priority));
            System.out.println(id + " now has priority " + priority + " (" + state + ")");
            return ExitCodes.OK;
        }
    }
}
