package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.DeadLetters.DeadJob;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.JobRecord;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "export",
        footer = {
            "",
            "Examples:",
            "  jobfleet dlq export ingest --output dead.jsonl",
            "  jobfleet dlq export ingest --format csv --type fetch > dead.csv"
        },
        mixinStandardHelpOptions = true,
        description =
                "Write dead jobs (whole records with payload and errors) as JSON lines or CSV, streamed in constant memory.")
final class DlqExport implements Callable<Integer> {
    enum Format {
        jsonl,
        csv
    }

    @Mixin
    DlqQueue target;

    @Mixin
    DlqFilterOptions filters;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default ${DEFAULT-VALUE})")
    Format format;

    @Option(
            names = {"--output", "-o"},
            paramLabel = "FILE",
            description = "File to write (default: stdout)")
    Path output;

    @Override
    public Integer call() throws IOException {
        String queue = target.checkedQueue();
        try (Redis connection = target.connect();
                Writer out = writer()) {
            DeadLetters dead = new DeadLetters(connection);
            Progress progress = output == null ? null : new Progress("exported", dead.count(queue));
            long[] written = {0};
            if (format == Format.csv) out.write("id,type,attempts,diedAt,lastError,deadReason,payload\n");
            dead.forEach(queue, filters.filter(), DlqCommand.BATCH, page -> {
                try {
                    for (JobRecord r :
                            dead.records(queue, page.stream().map(DeadJob::id).toList())) {
                        out.write(format == Format.csv ? csv(r) : Json.write(r));
                        out.write('\n');
                        written[0]++;
                    }
                    if (progress != null) progress.update(written[0]);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
            if (progress != null) progress.finish(written[0]);
            return ExitCodes.OK;
        }
    }

    private static String csv(JobRecord r) {
        return String.join(
                ",",
                r.id(),
                quote(r.type()),
                Integer.toString(r.attempts()),
                Long.toString(r.finishedAt()),
                quote(r.lastError()),
                quote(r.deadReason()),
                quote(r.payload() == null ? "" : Json.write(r.payload())));
    }

    private static String quote(String s) {
        if (s == null) return "";
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    /** The file, or standard output (flushed, never closed). */
    private Writer writer() throws IOException {
        return output == null
                ? new BufferedWriter(new OutputStreamWriter(unclosable(System.out), StandardCharsets.UTF_8))
                : Files.newBufferedWriter(output, StandardCharsets.UTF_8);
    }

    /** Standard output that a try-with-resources flushes but does not close: later lines must still print. */
    private static OutputStream unclosable(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
