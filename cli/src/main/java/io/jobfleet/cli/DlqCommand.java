package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.DeadLetters.DeadJob;
import picocli.CommandLine.Command;

@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "The dead-letter queue: see what failed and why, export it, redrive it, purge it.",
        subcommands = {DlqExport.class, DlqList.class, DlqPurge.class, DlqRequeue.class, DlqShow.class},
        footer = {
            "",
            "Examples:",
            "  (the drain procedure of docs/operations.md)",
            "  jobfleet dlq list ingest --summary                       # what failed, grouped by error",
            "  jobfleet dlq export ingest --output dead.jsonl           # keep a copy first",
            "  jobfleet dlq requeue ingest --error PartnerTimeout --dry-run",
            "  jobfleet dlq requeue ingest --error PartnerTimeout --rate 500",
            "  jobfleet dlq purge ingest --older-than 7d --yes"
        })
final class DlqCommand {
    static final int BATCH = 1000;

    static String errorOf(DeadJob j) {
        return j.lastError() != null ? j.lastError() : j.deadReason() != null ? j.deadReason() : "(no error recorded)";
    }

    /** Groups errors that differ only in numbers and ids. */
    static String normalise(String error) {
        return shorten(error, 200).replaceAll("[0-9a-f]{8,}", "#").replaceAll("\\d+", "#");
    }

    static String shorten(String s, int max) {
        String flat = s.replace('\n', ' ');
        return flat.length() <= max ? flat : flat.substring(0, max - 3) + "...";
    }
}
