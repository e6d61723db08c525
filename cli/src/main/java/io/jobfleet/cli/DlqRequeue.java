package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.Retention;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
final class DlqRequeue implements Callable<Integer> {
    @Mixin
    DlqQueue target;

    @Parameters(
            index = "1",
            paramLabel = "ID",
            arity = "0..*",
            description = "Jobs to requeue (else use filters or --all)")
    List<String> ids;

    @Mixin
    DlqFilterOptions filters;

    @Option(names = "--all", description = "Every dead job of the queue")
    boolean all;

    @Option(names = "--dry-run", description = "Print what would move, move nothing")
    boolean dryRun;

    @Option(names = "--rate", paramLabel = "N", description = "At most N jobs per second, so workers are not flooded")
    Integer rate;

    @Option(names = "--to-queue", paramLabel = "QUEUE", description = "Redrive into another queue")
    String toQueue;

    @Option(names = "--reset-attempts", description = "Start the jobs again from attempt 0")
    boolean resetAttempts;

    @Override
    public Integer call() {
        String queue = target.checkedQueue();
        if (toQueue != null) Names.checkQueue(toQueue);
        DlqBatches.Selection selection = DlqBatches.Selection.of(ids, filters, all, "requeue");
        if (rate != null && rate < 1)
            throw new CommandLine.ParameterException(new CommandLine(this), "--rate must be at least 1");
        try (Redis connection = target.connect()) {
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
            return ExitCodes.OK;
        }
    }
}
