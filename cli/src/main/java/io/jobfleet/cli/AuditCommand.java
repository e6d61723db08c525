package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.Redis;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description =
                "Operator actions (requeue, purge, pause, resume, cancel) from the CLI and the API, newest first.",
        footer = {"", "Examples:", "  jobfleet audit", "  jobfleet audit --limit 200 --json"})
final class AuditCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Option(
            names = "--limit",
            defaultValue = "50",
            description = "How many entries (default ${DEFAULT-VALUE}; the last 10000 are kept)")
    int limit;

    @Option(names = "--json", description = "JSON lines output")
    boolean json;

    @Override
    public Integer call() {
        try (Redis connection = redis.connect("jobfleet-cli")) {
            var entries = new AuditLog(connection).latest(limit);
            if (json) {
                entries.forEach(e -> System.out.println(Json.write(e)));
                return ExitCodes.OK;
            }
            Table table = new Table("WHEN", "ACTOR", "ACTION", "QUEUE", "JOBS", "DETAIL");
            for (var e : entries) {
                table.row(
                        Instant.ofEpochMilli(e.at()),
                        e.actor(),
                        e.action(),
                        e.queue(),
                        e.count(),
                        e.detail() == null ? "" : Json.write(e.detail()));
            }
            table.print(System.out);
            return ExitCodes.OK;
        }
    }
}
