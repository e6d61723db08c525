package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.DeadLetters;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The dead-letter filters shared by list, requeue, purge and export. */
final class DlqFilterOptions {
    @Option(names = "--type", paramLabel = "TYPE", description = "Only jobs of this type")
    String type;

    @Option(
            names = "--error",
            paramLabel = "TEXT",
            description =
                    "Only jobs whose last error (class or message) or dead reason contains TEXT, case-insensitive")
    String error;

    @Option(
            names = "--older-than",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Only jobs dead for at least this long, e.g. 2h")
    Duration olderThan;

    @Option(names = "--min-attempts", paramLabel = "N", description = "Only jobs that ran at least N attempts")
    Integer minAttempts;

    DeadLetters.Filter filter() {
        return new DeadLetters.Filter(type, error, olderThan, minAttempts);
    }
}
