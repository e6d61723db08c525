package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dlq export} of 300,000 dead jobs in a 64 MB heap: streamed to a file as JSON lines and
 * as CSV (and to stdout), every id exactly once, every record whole. Prints the rate and the heap.
 */
@Tag("slow")
class DlqExportIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    static final int JOBS = 300_000;
    static final String Q = "partner";
    static final String HEAP = "64m";

    static Set<String> ids;

    @BeforeAll
    static void seed() {
        ids = new HashSet<>(DeadJobs.seedMany(REDIS.redis(), Q, JOBS));
    }

    @Test
    void exportsEveryJobOnceAsJsonLinesInA64MbHeap(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dead.jsonl");
        Path gc = dir.resolve("gc.log");
        long started = System.nanoTime();
        Cli.Result export = Cli.run(
                GcLog.flags(gc, HEAP),
                Map.of(),
                Duration.ofMinutes(5),
                "dlq",
                "export",
                Q,
                "--output",
                file.toString(),
                "--redis-url",
                REDIS.url());
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(export.exitCode()).as(export.stderr()).isZero();
        assertThat(export.stdout()).isEmpty();

        Set<String> seen = new HashSet<>();
        long lines = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; lines++) {
                JsonNode record = Json.read(line);
                String id = record.get("id").asText();
                assertThat(seen.add(id)).as("%s exported once", id).isTrue();
                assertThat(record.get("state").asText()).isEqualTo("DEAD");
                assertThat(record.get("payload").get("account").asInt()).isEqualTo(Integer.parseInt(id.substring(1)));
                assertThat(record.get("errors").size()).isEqualTo(3);
            }
        }
        assertThat(lines).isEqualTo(JOBS);
        assertThat(seen).isEqualTo(ids);
        assertThat(DeadJobs.deadCount(REDIS.redis(), Q))
                .as("export moves nothing")
                .isEqualTo(JOBS);

        String last = export.stderr().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).startsWith("exported 300000/300000 (100%)");
        System.out.printf(
                "EXPORT jsonl: %d jobs, %.0f MB, in %.1f s as a process = %.0f jobs/s; the CLI's own line: '%s'; -Xmx%s, %s%n",
                JOBS, Files.size(file) / 1e6, seconds, JOBS / seconds, last, HEAP, GcLog.read(gc));
    }

    @Test
    void exportsEveryJobOnceAsCsvToStdoutInA64MbHeap(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dead.csv");
        Path gc = dir.resolve("gc.log");
        long started = System.nanoTime();
        Process process = Cli.builder(
                        GcLog.flags(gc, HEAP), "dlq", "export", Q, "--format", "csv", "--redis-url", REDIS.url())
                .redirectOutput(file.toFile())
                .redirectError(dir.resolve("err.txt").toFile())
                .start();
        process.getOutputStream().close();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(process.exitValue())
                .as(Files.readString(dir.resolve("err.txt")))
                .isZero();

        Set<String> seen = new HashSet<>();
        long rows = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            assertThat(in.readLine()).isEqualTo("id,type,attempts,diedAt,lastError,deadReason,payload");
            for (String line; (line = in.readLine()) != null; rows++) {
                List<String> row = Csv.parse(line).get(0); // the seeded errors hold no line breaks
                assertThat(row).hasSize(7);
                assertThat(seen.add(row.get(0)))
                        .as("%s exported once", row.get(0))
                        .isTrue();
                assertThat(row.get(1)).isEqualTo("partner.sync");
                assertThat(Json.read(row.get(6)).get("account").asInt())
                        .isEqualTo(Integer.parseInt(row.get(0).substring(1)));
            }
        }
        assertThat(rows).isEqualTo(JOBS);
        assertThat(seen).isEqualTo(ids);
        System.out.printf(
                "EXPORT csv to stdout: %d jobs, %.0f MB, in %.1f s as a process = %.0f jobs/s; -Xmx%s, %s%n",
                JOBS, Files.size(file) / 1e6, seconds, JOBS / seconds, HEAP, GcLog.read(gc));
    }
}
