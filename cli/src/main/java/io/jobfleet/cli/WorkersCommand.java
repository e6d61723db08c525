package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.jobfleet.common.job.WorkerInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "workers",
        mixinStandardHelpOptions = true,
        description = "Live workers.",
        footer = {"", "Example:", "  jobfleet workers list"})
final class WorkersCommand {
    @Command(
            name = "list",
            footer = {"", "Examples:", "  jobfleet workers list", "  jobfleet workers list --json"},
            mixinStandardHelpOptions = true,
            description = "Every live worker: id, host, queues, busy/total slots, last heartbeat, version.")
    int list(@Mixin RedisOptions redis, @Option(names = "--json", description = "JSON output") boolean json) {
        try (Redis connection = redis.connect("jobfleet-cli")) {
            List<WorkerInfo> workers = new WorkerRegistry(connection).list();
            if (json) {
                System.out.println(Json.write(workers));
                return ExitCodes.OK;
            }
            long now = connection.serverTimeMs();
            Table table = new Table("ID", "HOST", "PID", "QUEUES", "BUSY", "LAST BEAT", "UP", "VERSION");
            for (WorkerInfo w : workers) {
                table.row(
                        w.id(),
                        w.host(),
                        w.pid(),
                        w.queues(),
                        w.busy() + "/" + w.slots(),
                        Table.age(now - w.lastBeat()) + " ago",
                        Table.age(Math.max(0, System.currentTimeMillis() - w.startedAt())),
                        w.version());
            }
            table.print(System.out);
            if (workers.isEmpty()) System.out.println("(no live workers)");
            return ExitCodes.OK;
        }
    }
}
