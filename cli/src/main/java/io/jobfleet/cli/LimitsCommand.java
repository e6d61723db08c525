package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.LimitJson;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.LimitStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jobfleet limits}: a queue's fleet-wide concurrency and rate limits. Every argument is
 * checked before Redis is reached: a bad one exits 2 with the field named, and nothing is written.
 */
@Command(
        name = "limits",
        mixinStandardHelpOptions = true,
        description = "Fleet-wide concurrency and rate limits of a queue, a job type, a limit key or a group.",
        footer = {
            "",
            "Scopes: queue, type:<type>, key:<limitKey>, key:* (each key on its own), group:<group>, group:*.",
            "",
            "Examples:",
            "  jobfleet limits set ingest type:embed --concurrency 5 --rate 100/1s",
            "  jobfleet limits set ingest 'key:*' --rate 600/1m     # each tenant on its own",
            "  jobfleet limits list ingest",
            "  jobfleet limits delete ingest type:embed",
            "",
            "Changes hold within a second, without restarting workers. See docs/flow-control.md."
        })
final class LimitsCommand {
    @Spec
    CommandSpec spec;

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            footer = {
                "",
                "Examples:",
                "  jobfleet limits set ingest type:embed --concurrency 5",
                "  jobfleet limits set ingest queue --rate 100/1s       # N/PERIOD, PERIOD 100ms..1d: 500ms, 1s, 1m, 1h",
                "  jobfleet limits set ingest key:tenant-1 --concurrency 2 --rate 10/1s",
                "",
                "Replaces the scope's limit whole: a flag left out removes that part. Admin, audited."
            },
            description = "Set (replace) the limit of one scope of a queue.")
    int set(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "SCOPE") String scope,
            @Option(names = "--concurrency", paramLabel = "N", description = "most jobs running at once (1-100000)")
                    Integer concurrency,
            @Option(names = "--rate", paramLabel = "N/PERIOD", description = "most starts per period, e.g. 100/1s")
                    String rate) {
        Limit limit = usage(() -> {
            Limit.Rate parsed = rate == null ? null : Limit.Rate.parse(rate);
            return new Limit(
                    queue,
                    scope,
                    concurrency,
                    parsed == null ? null : parsed.count(),
                    parsed == null ? null : parsed.period());
        });
        try (Redis connection = redis.connect("jobfleet-cli")) {
            new LimitStore(connection).set(limit);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("scope", limit.scope());
            detail.putAll(LimitJson.body(limit));
            new AuditLog(connection).record(Actor.current(), "limit-set", queue, 0, detail);
        }
        System.out.println(
                "queue " + queue + ", " + scope + ": " + describe(limit) + " (workers follow from their next claim)");
        return ExitCodes.OK;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            footer = {"", "Examples:", "  jobfleet limits list ingest", "  jobfleet limits list ingest --json"},
            description = "A queue's limits and their usage now: jobs running, starts in the current period.")
    int list(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Option(names = "--json", description = "JSON output") boolean json) {
        usage(() -> Names.checkQueue(queue));
        List<LimitUsage> limits;
        try (Redis connection = redis.connect("jobfleet-cli")) {
            limits = new LimitStore(connection).list(queue);
        }
        if (json) {
            List<Map<String, Object>> views = new ArrayList<>();
            for (LimitUsage u : limits) views.add(LimitJson.view(u));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("queue", queue);
            out.put("limits", views);
            System.out.println(Json.write(out));
            return ExitCodes.OK;
        }
        Table table = new Table("SCOPE", "CONCURRENCY", "RUNNING", "RATE", "STARTS IN PERIOD");
        for (LimitUsage u : limits) {
            Limit l = u.limit();
            table.row(l.scope(), l.concurrency(), u.running(), l.rateText(), u.startsInWindow());
        }
        table.print(System.out);
        return ExitCodes.OK;
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            footer = {"", "Example:", "  jobfleet limits delete ingest type:embed"},
            description = "Delete the limit of one scope of a queue (admin, audited); its parked jobs start at once.")
    int delete(
            @Mixin RedisOptions redis,
            @Parameters(paramLabel = "QUEUE") String queue,
            @Parameters(paramLabel = "SCOPE") String scope) {
        usage(() -> {
            Names.checkQueue(queue);
            return Limit.checkScope(scope);
        });
        boolean deleted;
        try (Redis connection = redis.connect("jobfleet-cli")) {
            deleted = new LimitStore(connection).delete(queue, scope);
            if (deleted) {
                new AuditLog(connection).record(Actor.current(), "limit-delete", queue, 0, Map.of("scope", scope));
            }
        }
        System.out.println(
                deleted
                        ? "queue " + queue + ", " + scope + ": limit deleted"
                        : "queue " + queue + " has no limit on " + scope);
        return ExitCodes.OK;
    }

    /** "5 running, 100/1s": what a limit allows. */
    static String describe(Limit limit) {
        List<String> parts = new ArrayList<>();
        if (limit.concurrency() != null) parts.add("at most " + limit.concurrency() + " running");
        if (limit.rate() != null) parts.add("at most " + limit.rateText() + " starts");
        return String.join(", ", parts);
    }

    /** Runs a check; a refused value is a usage error (exit 2), its message naming the field. */
    private <T> T usage(java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
