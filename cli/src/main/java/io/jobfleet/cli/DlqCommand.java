package io.jobfleet.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.Json;
import io.jobfleet.common.job.Names;
import io.jobfleet.common.job.Redaction;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.redis.AuditLog;
import io.jobfleet.common.redis.DeadLetters;
import io.jobfleet.common.redis.DeadLetters.DeadJob;
import io.jobfleet.common.redis.JobStore;
import io.jobfleet.common.redis.QueueStore;
import io.jobfleet.common.redis.Redis;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
            "Examples, the drain procedure of docs/operations.md:",
            "  jobfleet dlq list ingest --summary                       # what failed, grouped by error",
            "  jobfleet dlq export ingest --output dead.jsonl           # keep a copy first",
            "  jobfleet dlq requeue ingest --error PartnerTimeout --dry-run",
            "  jobfleet dlq requeue ingest --error PartnerTimeout --rate 500",
            "  jobfleet dlq purge ingest --older-than 7d --yes"
        })
final class DlqCommand {
    private static final int BATCH = 1000;

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
            JobRecord record = new JobStore(connection, Retention.DEFAULT)
                    .get(queue, id)
                    .orElseThrow(() -> new JobNotFoundException(queue, id));
            ObjectNode node = Json.MAPPER.valueToTree(
                    Redaction.parse(System.getenv("JOBFLEET_REDACT_FIELDS")).apply(record));
            if (noPayload) node.remove("payload");
            System.out.println(Json.MAPPER
                    .writer()
                    .with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(node));
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
        Selection selection = Selection.of(ids, filters, all, "requeue");
        if (rate != null && rate < 1)
            throw new CommandLine.ParameterException(new CommandLine(this), "--rate must be at least 1");
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            DeadLetters dead = new DeadLetters(connection);
            JobStore target = new JobStore(connection, Retention.DEFAULT);
            Mover mover = batch -> {
                if (toQueue != null && !toQueue.equals(queue)) return dead.redrive(queue, batch, toQueue, target);
                return queues.requeue(queue, batch, resetAttempts);
            };
            long moved = move(connection, dead, queue, selection, dryRun, rate, mover, "requeued");
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
        Selection selection = Selection.of(ids, filters, all, "purge");
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            DeadLetters dead = new DeadLetters(connection);
            if (!dryRun && !yes) confirm(queue, selection, dead);
            long deleted = move(
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

    /** Moves (or deletes) one batch of dead job ids; returns how many it moved. */
    private interface Mover {
        int apply(List<String> ids);
    }

    /** What the operator picked: ids, a filter, or everything. */
    private record Selection(List<String> ids, DeadLetters.Filter filter) {
        static Selection of(List<String> ids, DlqFilterOptions options, boolean all, String verb) {
            DeadLetters.Filter filter = options.filter();
            boolean hasIds = ids != null && !ids.isEmpty();
            if (!hasIds && !all && filter.isAll()) {
                throw new CommandLine.ParameterException(
                        new CommandLine(new DlqCommand()),
                        "say which dead jobs to " + verb
                                + ": job ids, filters (--type, --error, --older-than, --min-attempts), or --all");
            }
            if (hasIds && (all || !filter.isAll())) {
                throw new CommandLine.ParameterException(
                        new CommandLine(new DlqCommand()), "give job ids or filters/--all, not both");
            }
            return new Selection(hasIds ? List.copyOf(ids) : null, filter);
        }

        Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            if (ids != null) d.put("ids", ids.size() <= 20 ? ids : ids.size() + " ids");
            if (filter.type() != null) d.put("type", filter.type());
            if (filter.error() != null) d.put("error", filter.error());
            if (filter.olderThan() != null)
                d.put("olderThan", filter.olderThan().toString());
            if (filter.minAttempts() != null) d.put("minAttempts", filter.minAttempts());
            if (ids == null && filter.isAll()) d.put("all", true);
            return d;
        }
    }

    /**
     * Walks the selection in batches and applies {@code mover} to each, at most {@code rate} jobs a
     * second. Moved jobs leave the dead set, so the walk's offset only advances past jobs that
     * stayed. Memory stays bounded by one batch.
     */
    private static long move(
            Redis connection,
            DeadLetters dead,
            String queue,
            Selection selection,
            boolean dryRun,
            Integer rate,
            Mover mover,
            String verb) {
        long total = selection.ids() != null ? selection.ids().size() : dead.count(queue);
        Progress progress = new Progress(
                dryRun ? "would be " + verb + ":" : verb, selection.filter().isAll() ? total : 0);
        int batchSize = rate == null ? BATCH : Math.max(1, Math.min(BATCH, rate / 4 + 1));
        long done = 0;
        long started = System.nanoTime();
        if (selection.ids() != null) {
            for (int i = 0; i < selection.ids().size(); i += batchSize) {
                List<String> batch =
                        selection.ids().subList(i, Math.min(selection.ids().size(), i + batchSize));
                done += dryRun ? batch.size() : mover.apply(batch);
                if (dryRun) batch.forEach(id -> System.out.println(id));
                pace(rate, done, started);
                progress.update(done);
            }
        } else if (selection.filter().isAll() && !dryRun) {
            long offset = 0; // everything: walk ids only; moved ones leave the set, so the offset only counts jobs that
            // stayed
            while (true) {
                List<String> batch = dead.ids(queue, offset, batchSize);
                if (batch.isEmpty()) break;
                int moved = mover.apply(batch);
                done += moved;
                // a stale id (no job hash) leaves the set without counting as moved: count what stayed
                if (moved < batch.size()) offset += stayed(dead, queue, offset, batch);
                pace(rate, done, started);
                progress.update(done);
            }
        } else {
            long offset = 0;
            while (true) {
                DeadLetters.Page page = dead.list(queue, selection.filter(), offset, batchSize);
                if (page.jobs().isEmpty()) break;
                List<String> batch = page.jobs().stream().map(DeadJob::id).toList();
                if (dryRun) {
                    page.jobs()
                            .forEach(j ->
                                    System.out.println(j.id() + "  " + j.type() + "  " + shorten(errorOf(j), 100)));
                    done += batch.size();
                    offset = page.next();
                } else {
                    int moved = mover.apply(batch);
                    done += moved;
                    offset = page.next()
                            - moved; // moved jobs left the dead set; the rest of this page stays before the cursor
                }
                pace(rate, done, started);
                progress.update(done);
                if (page.next() < 0) break;
            }
        }
        progress.finish(done);
        return done;
    }

    /**
     * How many of {@code batch}, read from {@code offset}, are still dead. The ones that stayed
     * keep their order and now sit first from {@code offset} on, so one re-read of the window tells.
     */
    private static int stayed(DeadLetters dead, String queue, long offset, List<String> batch) {
        Set<String> ids = new HashSet<>(batch);
        int stayed = 0;
        for (String id : dead.ids(queue, offset, batch.size())) if (ids.contains(id)) stayed++;
        return stayed;
    }

    private static void pace(Integer rate, long done, long startedNanos) {
        if (rate == null) return;
        long dueNanos = startedNanos + done * 1_000_000_000L / rate;
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void confirm(String queue, Selection selection, DeadLetters dead) {
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

    private static String errorOf(DeadJob j) {
        return j.lastError() != null ? j.lastError() : j.deadReason() != null ? j.deadReason() : "(no error recorded)";
    }

    /** Groups errors that differ only in numbers and ids. */
    static String normalise(String error) {
        return shorten(error, 200).replaceAll("[0-9a-f]{8,}", "#").replaceAll("\\d+", "#");
    }

    private static String shorten(String s, int max) {
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
