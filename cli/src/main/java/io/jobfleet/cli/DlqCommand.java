package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.DeadLetters.DeadJob;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.Retention;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "The dead-letter queue: see what failed and why, export it, redrive it, purge it.",
        footer = {
            "",
            "Examples:",
            "  (the drain procedure of docs/operations.md)",
            "  jobfleet dlq list ingest --summary                       # what failed, grouped by error",
            "  jobfleet dlq export ingest --output dead.jsonl           # keep a copy first",
            "  jobfleet dlq requeue ingest --error PartnerTimeout --dry-run",
            "  jobfleet dlq requeue ingest --error PartnerTimeout --rate 500",
            "  jobfleet dlq purge ingest --older-than 7d --yes"
        })
final class DlqCommand {
    static final int BATCH = 1000;

    @Command(
            name = "list",
            footer = {
                "",
                "Examples:",
                "  jobfleet dlq list ingest --summary",
                "  jobfleet dlq list ingest --type fetch --error timeout --older-than 2h --limit 20",
                "  jobfleet dlq list ingest --cursor 20 --json"
            },
            mixinStandardHelpOptions = true,
            description = "Dead jobs, oldest death first, with their last error; --summary groups them by error.")
    int list(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Mixin DlqFilterOptions filters,
            @Option(names = "--limit", defaultValue = "50", description = "Jobs per page (default ${DEFAULT-VALUE})")
                    int limit,
            @Option(
                            names = "--cursor",
                            defaultValue = "0",
                            description = "Where to continue: the 'next' of the previous page")
                    long cursor,
            @Option(
                            names = "--summary",
                            description = "Group every matching dead job by error: count, first and last seen")
                    boolean summary,
            @Option(names = "--json", description = "JSON output") boolean json) {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            DeadLetters dead = new DeadLetters(connection);
            if (summary) return summary(dead, queue, filters.filter(), json, connection.serverTimeMs());
            DeadLetters.Page page = dead.list(queue, filters.filter(), cursor, limit);
            if (json) {
                System.out.println(Json.write(Map.of("jobs", page.jobs(), "next", page.next())));
                return Main.OK;
            }
            long now = connection.serverTimeMs();
            Table table = new Table("ID", "TYPE", "ATTEMPTS", "DIED", "LAST ERROR");
            for (DeadJob j : page.jobs()) {
                table.row(
                        j.id(), j.type(), j.attempts(), Table.age(now - j.diedAt()) + " ago", shorten(errorOf(j), 100));
            }
            table.print(System.out);
            System.out.println(page.jobs().size() + " shown of " + dead.count(queue) + " dead"
                    + (page.next() >= 0 ? "; next page: --cursor " + page.next() : ""));
            return Main.OK;
        }
    }

    private static int summary(DeadLetters dead, String queue, DeadLetters.Filter filter, boolean json, long now) {
        record Group(String error, long count, long first, long last) {}
        Map<String, long[]> groups = new HashMap<>();
        dead.forEach(queue, filter, BATCH, page -> {
            for (DeadJob j : page) {
                String key = groups.size() < 1000 || groups.containsKey(normalise(errorOf(j)))
                        ? normalise(errorOf(j))
                        : "(other errors)";
                long[] g = groups.computeIfAbsent(key, k -> new long[] {0, Long.MAX_VALUE, 0});
                g[0]++;
                g[1] = Math.min(g[1], j.diedAt());
                g[2] = Math.max(g[2], j.diedAt());
            }
        });
        List<Group> sorted = new ArrayList<>();
        groups.forEach((k, g) -> sorted.add(new Group(k, g[0], g[1], g[2])));
        sorted.sort((a, b) -> Long.compare(b.count(), a.count()));
        if (json) {
            System.out.println(Json.write(sorted));
            return Main.OK;
        }
        Table table = new Table("COUNT", "FIRST", "LAST", "ERROR");
        for (Group g : sorted)
            table.row(
                    g.count(),
                    Table.age(now - g.first()) + " ago",
                    Table.age(now - g.last()) + " ago",
                    shorten(g.error(), 120));
        table.print(System.out);
        return Main.OK;
    }

    @Command(
            name = "show",
            footer = {"", "Example:", "  jobfleet dlq show ingest 01jc4x7q8r2m5t9v0wz3 --no-payload"},
            mixinStandardHelpOptions = true,
            description = "One dead job: the whole record with every attempt's error.")
    int show(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "ID") String id,
            @Option(names = "--no-payload", description = "Leave the payload out (it may hold personal data)")
                    boolean noPayload)
            throws IOException {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            JobRecord record = JobCommand.load(connection, queue, id);
            JobCommand.print(record, noPayload);
            if (record.state() != JobState.DEAD)
                System.err.println("note: job " + id + " is " + record.state() + ", not dead");
            return Main.OK;
        }
    }

    @Command(
            name = "requeue",
            footer = {
                "",
                "Examples:",
                "  jobfleet dlq requeue ingest --error PartnerTimeout --dry-run",
                "  jobfleet dlq requeue ingest --all --rate 500",
                "  jobfleet dlq requeue ingest 01jc4x7q8r2m5t9v0wz3 --reset-attempts",
                "  jobfleet dlq requeue ingest --type fetch --to-queue ingest-retry"
            },
            mixinStandardHelpOptions = true,
            description = {
                "Move dead jobs back to pending: by id, by filter, or --all. Jobs move in atomic batches of 1000, so an",
                "interrupted run leaves each job moved or still dead, never both or neither: just run it again."
            })
    int requeue(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "ID", arity = "0..*", description = "Jobs to requeue (else use filters or --all)")
                    List<String> ids,
            @Mixin DlqFilterOptions filters,
            @Option(names = "--all", description = "Every dead job of the queue") boolean all,
            @Option(names = "--dry-run", description = "Print what would move, move nothing") boolean dryRun,
            @Option(
                            names = "--rate",
                            paramLabel = "N",
                            description = "At most N jobs per second, so workers are not flooded")
                    Integer rate,
            @Option(names = "--to-queue", paramLabel = "QUEUE", description = "Redrive into another queue")
                    String toQueue,
            @Option(names = "--reset-attempts", description = "Start the jobs again from attempt 0")
                    boolean resetAttempts) {
        Names.checkQueue(queue);
        if (toQueue != null) Names.checkQueue(toQueue);
        DlqBatches.Selection selection = DlqBatches.Selection.of(ids, filters, all, "requeue");
        if (rate != null && rate < 1)
            throw new CommandLine.ParameterException(new CommandLine(this), "--rate must be at least 1");
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            DeadLetters dead = new DeadLetters(connection);
            JobStore target = new JobStore(connection, Retention.DEFAULT);
            DlqBatches.Mover mover = batch -> {
                if (toQueue != null && !toQueue.equals(queue)) return dead.redrive(queue, batch, toQueue, target);
                return queues.requeue(queue, batch, resetAttempts);
            };
            long moved = DlqBatches.move(connection, dead, queue, selection, dryRun, rate, mover, "requeued");
            if (!dryRun && moved > 0) {
                Map<String, Object> detail = new LinkedHashMap<>(selection.describe());
                if (toQueue != null) detail.put("toQueue", toQueue);
                if (resetAttempts) detail.put("resetAttempts", true);
                new AuditLog(connection).record(Actor.current(), "requeue", queue, moved, detail);
            }
            return Main.OK;
        }
    }

    @Command(
            name = "purge",
            footer = {
                "",
                "Examples:",
                "  jobfleet dlq purge ingest --older-than 7d --dry-run",
                "  jobfleet dlq purge ingest --error SchemaError --yes"
            },
            mixinStandardHelpOptions = true,
            description = {
                "Delete dead jobs for good: by id, by filter, or --all. Export them first (dlq export).",
                "Asks for confirmation unless --yes."
            })
    int purge(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "ID", arity = "0..*", description = "Jobs to delete (else use filters or --all)")
                    List<String> ids,
            @Mixin DlqFilterOptions filters,
            @Option(names = "--all", description = "Every dead job of the queue") boolean all,
            @Option(names = "--dry-run", description = "Print what would be deleted, delete nothing") boolean dryRun,
            @Option(names = "--yes", description = "Do not ask for confirmation") boolean yes) {
        Names.checkQueue(queue);
        DlqBatches.Selection selection = DlqBatches.Selection.of(ids, filters, all, "purge");
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            DeadLetters dead = new DeadLetters(connection);
            if (!dryRun && !yes) confirm(queue, selection, dead);
            long deleted = DlqBatches.move(
                    connection, dead, queue, selection, dryRun, null, batch -> queues.purge(queue, batch), "purged");
            if (!dryRun && deleted > 0)
                new AuditLog(connection).record(Actor.current(), "purge", queue, deleted, selection.describe());
            return Main.OK;
        }
    }

    @Command(
            name = "export",
            footer = {
                "",
                "Examples:",
                "  jobfleet dlq export ingest --output dead.jsonl",
                "  jobfleet dlq export ingest --format csv --type fetch > dead.csv"
            },
            mixinStandardHelpOptions = true,
            description =
                    "Write dead jobs (whole records with payload and errors) as JSON lines or CSV, streamed in constant memory.")
    int export(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Mixin DlqFilterOptions filters,
            @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default ${DEFAULT-VALUE})")
                    Format format,
            @Option(
                            names = {"--output", "-o"},
                            paramLabel = "FILE",
                            description = "File to write (default: stdout)")
                    Path output)
            throws IOException {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli");
                Writer out = output == null
                        ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                        : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            DeadLetters dead = new DeadLetters(connection);
            Progress progress = output == null ? null : new Progress("exported", dead.count(queue));
            long[] written = {0};
            if (format == Format.csv) out.write("id,type,attempts,diedAt,lastError,deadReason,payload\n");
            dead.forEach(queue, filters.filter(), BATCH, page -> {
                try {
                    for (JobRecord r :
                            dead.records(queue, page.stream().map(DeadJob::id).toList())) {
                        out.write(format == Format.csv ? csv(r) : Json.write(r));
                        out.write('\n');
                        written[0]++;
                    }
                    if (progress != null) progress.update(written[0]);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
            if (progress != null) progress.finish(written[0]);
            return Main.OK;
        }
    }

    enum Format {
        jsonl,
        csv
    }

    private static void confirm(String queue, DlqBatches.Selection selection, DeadLetters dead) {
        if (System.console() == null) {
            throw new CommandLine.ParameterException(
                    new CommandLine(new DlqCommand()),
                    "purge deletes jobs for good: confirm with --yes (no terminal to ask on)");
        }
        String what = selection.ids() != null
                ? selection.ids().size() + " dead jobs"
                : selection.filter().isAll()
                        ? "ALL " + dead.count(queue) + " dead jobs"
                        : "the dead jobs matching " + selection.describe();
        String answer = System.console().readLine("Delete %s of queue %s for good? Type 'yes': ", what, queue);
        if (!"yes".equals(answer == null ? null : answer.strip())) {
            throw new CommandLine.ParameterException(
                    new CommandLine(new DlqCommand()), "not confirmed; nothing deleted");
        }
    }

    static String errorOf(DeadJob j) {
        return j.lastError() != null ? j.lastError() : j.deadReason() != null ? j.deadReason() : "(no error recorded)";
    }

    /** Groups errors that differ only in numbers and ids. */
    static String normalise(String error) {
        return shorten(error, 200).replaceAll("[0-9a-f]{8,}", "#").replaceAll("\\d+", "#");
    }

    static String shorten(String s, int max) {
        String flat = s.replace('\n', ' ');
        return flat.length() <= max ? flat : flat.substring(0, max - 3) + "...";
    }

    private static String csv(JobRecord r) {
        return String.join(
                ",",
                r.id(),
                quote(r.type()),
                Integer.toString(r.attempts()),
                Long.toString(r.finishedAt()),
                quote(r.lastError()),
                quote(r.deadReason()),
                quote(r.payload() == null ? "" : Json.write(r.payload())));
    }

    private static String quote(String s) {
        if (s == null) return "";
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
