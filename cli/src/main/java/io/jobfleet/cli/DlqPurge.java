package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
final class DlqPurge implements Callable<Integer> {
    @Mixin
    DlqQueue target;

    @Parameters(
            index = "1",
            paramLabel = "ID",
            arity = "0..*",
            description = "Jobs to delete (else use filters or --all)")
    List<String> ids;

    @Mixin
    DlqFilterOptions filters;

    @Option(names = "--all", description = "Every dead job of the queue")
    boolean all;

    @Option(names = "--dry-run", description = "Print what would be deleted, delete nothing")
    boolean dryRun;

    @Option(names = "--yes", description = "Do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
        String queue = target.checkedQueue();
        DlqBatches.Selection selection = DlqBatches.Selection.of(ids, filters, all, "purge");
        try (Redis connection = target.connect()) {
            QueueStore queues = new QueueStore(connection);
            DeadLetters dead = new DeadLetters(connection);
            if (!dryRun && !yes) confirm(queue, selection, dead);
            long deleted = DlqBatches.move(
                    connection, dead, queue, selection, dryRun, null, batch -> queues.purge(queue, batch), "purged");
            if (!dryRun && deleted > 0)
                new AuditLog(connection).record(Actor.current(), "purge", queue, deleted, selection.describe());
            return ExitCodes.OK;
        }
    }

    private static void confirm(String queue, DlqBatches.Selection selection, DeadLetters dead) {
        if (!Terminal.interactive()) {
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
}
