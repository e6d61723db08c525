package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.LimitUsage;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.job.QueueView;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.FlowView;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.QueueCounts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "queues",
        mixinStandardHelpOptions = true,
        description = "Queue depths, statistics, pause and resume, partitions.",
        footer = {
            "",
            "Examples:",
            "  jobfleet queues list",
            "  jobfleet queues stats ingest --json",
            "  jobfleet queues depth ingest        # one number: what an autoscaler reads (LLEN of the pending list)",
            "  jobfleet queues pause ingest",
            "  jobfleet queues partition ingest 3  # spread the queue over 3 partitions (Redis Cluster shards)"
        })
final class QueuesCommand {
    @Command(
            name = "list",
            footer = {"", "Examples:", "  jobfleet queues list", "  jobfleet queues list --json"},
            mixinStandardHelpOptions = true,
            description = "Every queue with its depths and oldest pending age.")
    int list(@Mixin RedisOptions redis, @Option(names = "--json", description = "JSON output") boolean json) {
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            List<QueueCounts> all = new ArrayList<>();
            for (String queue : queues.queues()) all.add(queues.counts(queue));
            if (json) {
                System.out.println(Json.write(all));
            } else {
                Table table = new Table("QUEUE", "PENDING", "ACTIVE", "SCHEDULED", "DEAD", "PAUSED", "OLDEST");
                for (QueueCounts c : all) {
                    table.row(
                            c.queue(),
                            c.pending(),
                            c.active(),
                            c.scheduled(),
                            c.dead(),
                            c.paused() ? "yes" : "no",
                            c.pending() > 0 ? Table.age(c.oldestPendingAgeMs()) : "-");
                }
                table.print(System.out);
            }
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "stats",
            footer = {
                "",
                "Examples:",
                "  jobfleet queues stats ingest",
                "  jobfleet queues stats ingest --json",
                "  jobfleet queues stats ingest --by-partition"
            },
            mixinStandardHelpOptions = true,
            description =
                    "Depths, paused state, oldest pending age, counters, limits with their usage, and outcomes over the last 1, 5 and 15 minutes.")
    int stats(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Option(names = "--json", description = "JSON output") boolean json,
            @Option(names = "--by-partition", description = "also show each partition's depths") boolean byPartition) {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            QueueCounts c = queues.counts(queue);
            List<QueueCounts> parts = byPartition ? queues.countsByPartition(queue) : List.of();
            List<Map<String, Long>> minutes = queues.perMinute(queue, 15);
            Map<String, Long> counters = new java.util.TreeMap<>();
            queues.stats(queue).forEach((k, v) -> counters.put(k, Long.parseLong(v)));
            int partitions = queues.partitionCount(queue);
            FlowView flow = new FlowView(connection);
            List<LimitUsage> limits = flow.limits(queue);
            Map<String, Long> throttledBy = limits.isEmpty() ? Map.of() : flow.throttledBy(queue);
            if (json) {
                Map<String, Object> out = statsJson(queue, c, minutes, counters, partitions);
                out.put("limits", QueueView.limits(limits, throttledBy));
                if (byPartition) out.put("byPartition", partitionViews(parts));
                System.out.println(Json.write(out));
                return ExitCodes.OK;
            }
            printStats(queue, c, minutes, counters);
            printLimits(limits, throttledBy);
            if (byPartition) printPartitions(parts);
            return ExitCodes.OK;
        }
    }

    private static Map<String, Object> statsJson(
            String queue, QueueCounts c, List<Map<String, Long>> minutes, Map<String, Long> counters, int partitions) {
        Map<String, Object> out = QueueView.depths(c);
        out.put("queue", queue);
        for (int window : new int[] {1, 5, 15}) out.put("last" + window + "m", sum(minutes, window));
        out.put("counters", counters);
        out.put("partitions", partitions);
        return out;
    }

    private static void printStats(
            String queue, QueueCounts c, List<Map<String, Long>> minutes, Map<String, Long> counters) {
        System.out.printf("queue %s%s%n", queue, c.paused() ? " (PAUSED)" : "");
        System.out.printf(
                "  pending %d, active %d, scheduled %d, dead %d%n", c.pending(), c.active(), c.scheduled(), c.dead());
        if (c.prioritized() + c.grouped() + c.parked() > 0) {
            System.out.printf(
                    "  of the pending: %d prioritized, %d in groups, %d parked by a limit%n",
                    c.prioritized(), c.grouped(), c.parked());
        }
        System.out.printf("  oldest pending: %s%n", c.pending() > 0 ? Table.age(c.oldestPendingAgeMs()) : "-");
        Table table = new Table("  WINDOW", "SUCCEEDED", "RETRIED", "DEAD", "JOBS/S");
        for (int window : new int[] {1, 5, 15}) {
            Map<String, Long> s = sum(minutes, window);
            table.row(
                    "  last " + window + "m",
                    s.get("succeeded"),
                    s.get("retried"),
                    s.get("dead"),
                    String.format("%.1f", s.get("succeeded") / (window * 60.0)));
        }
        table.print(System.out);
        System.out.println("  counters since the queue began: " + counters);
    }

    @Command(
            name = "depth",
            footer = {"", "Examples:", "  jobfleet queues depth ingest", "  jobfleet queues depth ingest --by-partition"
            },
            mixinStandardHelpOptions = true,
            description = "Print the pending depth: one number (summed over a partitioned queue's partitions).")
    int depth(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Option(names = "--by-partition", description = "one line per partition: its number and depth")
                    boolean byPartition) {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            if (!byPartition) {
                System.out.println(queues.depth(queue));
                return ExitCodes.OK;
            }
            for (QueueCounts c : queues.countsByPartition(queue)) {
                System.out.println(Names.partitionOf(c.queue()) + " " + c.pending());
            }
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "partition",
            footer = {
                "",
                "Examples:",
                "  jobfleet queues partition ingest 3   # grow: new jobs spread over 3 partitions",
                "  jobfleet queues partition ingest 1   # shrink: refused while partitions 1 and 2 hold jobs",
                "",
                "Each partition is a queue of its own hash tag, so on Redis Cluster the partitions can sit on",
                "different shards. FIFO holds within a partition only. See docs/partitions.md."
            },
            mixinStandardHelpOptions = true,
            description = "Set how many partitions a queue has (1-64; admin, audited).")
    int partition(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "N") int count) {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            int before = new QueueStore(connection).declarePartitions(queue, count);
            if (before != count) {
                new AuditLog(connection)
                        .record(Actor.current(), "partition", queue, 0, Map.of("from", before, "to", count));
            }
            System.out.println(
                    before == count
                            ? "queue " + queue + " already has " + count + " partitions"
                            : "queue " + queue + ": " + before + " -> " + count
                                    + " partitions (workers and API instances follow within about a second)");
            return ExitCodes.OK;
        }
    }

    private static List<Map<String, Object>> partitionViews(List<QueueCounts> parts) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (QueueCounts p : parts) {
            Map<String, Object> view = QueueView.partition(p);
            view.put("slot", Keys.of(p.queue()).slot());
            out.add(view);
        }
        return out;
    }

    /** Each limit with its usage; a wildcard's keys are listed under it by their own scope. */
    private static void printLimits(List<LimitUsage> limits, Map<String, Long> throttledBy) {
        if (limits.isEmpty()) return;
        Table table = new Table("  LIMIT", "KIND", "USED", "OF", "USAGE", "THROTTLED");
        for (LimitUsage l : limits) {
            String per = l.kind() == LimitUsage.Kind.RATE ? " per " + LimitUsage.period(l.periodMs()) : "";
            table.row(
                    "  " + l.scope() + (l.from() == null ? "" : " (" + l.from() + ")"),
                    l.kind().label(),
                    l.perScope() ? "-" : l.used(),
                    l.limit() + per + (l.perScope() ? " each" : ""),
                    l.perScope() ? "-" : Math.round(l.usage() * 100) + "%",
                    throttledBy.getOrDefault(l.scope(), 0L));
        }
        table.print(System.out);
    }

    private static void printPartitions(List<QueueCounts> parts) {
        Table table = new Table("  PARTITION", "SLOT", "PENDING", "ACTIVE", "SCHEDULED", "DEAD", "OLDEST");
        for (QueueCounts p : parts) {
            table.row(
                    "  " + Names.partitionOf(p.queue()),
                    Keys.of(p.queue()).slot(),
                    p.pending(),
                    p.active(),
                    p.scheduled(),
                    p.dead(),
                    p.pending() > 0 ? Table.age(p.oldestPendingAgeMs()) : "-");
        }
        table.print(System.out);
    }

    @Command(
            name = "pause",
            footer = {"", "Example:", "  jobfleet queues pause ingest"},
            mixinStandardHelpOptions = true,
            description = "Stop claiming from the queue (enqueue goes on).")
    int pause(@Mixin RedisOptions redis, @Parameters(paramLabel = "QUEUE") String queue) {
        return setPaused(redis, queue, true);
    }

    @Command(
            name = "resume",
            footer = {"", "Example:", "  jobfleet queues resume ingest"},
            mixinStandardHelpOptions = true,
            description = "Claim from the queue again.")
    int resume(@Mixin RedisOptions redis, @Parameters(paramLabel = "QUEUE") String queue) {
        return setPaused(redis, queue, false);
    }

    private static int setPaused(RedisOptions redis, String queue, boolean paused) {
        Names.checkQueue(queue);
        try (Redis connection = redis.connect("jobfleet-cli")) {
            QueueStore queues = new QueueStore(connection);
            if (paused) queues.pause(queue);
            else queues.resume(queue);
            new AuditLog(connection).record(Actor.current(), paused ? "pause" : "resume", queue, 0, Map.of());
            System.out.println(
                    "queue " + queue + (paused ? " paused: workers stop claiming within a second" : " resumed"));
            return ExitCodes.OK;
        }
    }

    private static Map<String, Long> sum(List<Map<String, Long>> minutes, int window) {
        Map<String, Long> total = new LinkedHashMap<>(Map.of("succeeded", 0L, "retried", 0L, "dead", 0L));
        for (Map<String, Long> m : minutes.subList(minutes.size() - window, minutes.size())) {
            m.forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        return total;
    }
}
