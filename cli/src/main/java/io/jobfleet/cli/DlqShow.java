package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "show",
        footer = {"", "Example:", "  jobfleet dlq show ingest 01jc4x7q8r2m5t9v0wz3 --no-payload"},
        mixinStandardHelpOptions = true,
        description = "One dead job: the whole record with every attempt's error.")
final class DlqShow implements Callable<Integer> {
    @Mixin
    DlqQueue target;

    @Parameters(index = "1", paramLabel = "ID")
    String id;

    @Option(names = "--no-payload", description = "Leave the payload out (it may hold personal data)")
    boolean noPayload;

    @Override
    public Integer call() throws IOException {
        String queue = target.checkedQueue();
        try (Redis connection = target.connect()) {
            JobRecord record = JobCommand.load(connection, queue, id);
            JobCommand.print(record, noPayload);
            if (record.state() != JobState.DEAD)
                System.err.println("note: job " + id + " is " + record.state() + ", not dead");
            return ExitCodes.OK;
        }
    }
}
