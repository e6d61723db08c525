package io.jobfleet.cli;

import static io.jobfleet.cli.DlqCommand.errorOf;
import static io.jobfleet.cli.DlqCommand.normalise;
import static io.jobfleet.cli.DlqCommand.shorten;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.DeadLetters.DeadJob;
import io.jobfleet.common.internal.redis.Redis;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
final class DlqList implements Callable<Integer> {
    @Mixin
    DlqQueue target;

    @Mixin
    DlqFilterOptions filters;

    @Option(names = "--limit", defaultValue = "50", description = "Jobs per page (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--cursor", defaultValue = "0", description = "Where to continue: the 'next' of the previous page")
    long cursor;

    @Option(names = "--summary", description = "Group every matching dead job by error: count, first and last seen")
    boolean summary;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Override
    public Integer call() {
        String queue = target.checkedQueue();
        try (Redis connection = target.connect()) {
            DeadLetters dead = new DeadLetters(connection);
            if (summary) return summary(dead, queue, filters.filter(), connection.serverTimeMs());
            DeadLetters.Page page = dead.list(queue, filters.filter(), cursor, limit);
            if (json) {
                System.out.println(Json.write(Map.of("jobs", page.jobs(), "next", page.next())));
                return ExitCodes.OK;
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
            return ExitCodes.OK;
        }
    }

    private int summary(DeadLetters dead, String queue, DeadLetters.Filter filter, long now) {
        record Group(String error, long count, long first, long last) {}
        Map<String, long[]> groups = new HashMap<>();
        dead.forEach(queue, filter, DlqCommand.BATCH, page -> {
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
            return ExitCodes.OK;
        }
        Table table = new Table("COUNT", "FIRST", "LAST", "ERROR");
        for (Group g : sorted)
            table.row(
                    g.count(),
                    Table.age(now - g.first()) + " ago",
                    Table.age(now - g.last()) + " ago",
                    shorten(g.error(), 120));
        table.print(System.out);
        return ExitCodes.OK;
    }
}
