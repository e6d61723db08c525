package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's first command: jobfleet dev starts Redis and a worker and runs the demo jobs to completion. */
class DevIT {
    @Test
    void devRunsDemoJobsToCompletionAndStopsOnSigterm() throws Exception {
        Process process = new ProcessBuilder(
                        Cli.command("dev", "--redis-port", "0", "--api-port", "0", "--metrics-port", "0"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> lines = new ArrayList<>();
        String finished = null;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.currentTimeMillis() + 90_000;
            String line;
            while (System.currentTimeMillis() < deadline && (line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("demo: all ")) finished = line;
                if (line.startsWith("jobfleet dev is running")) break;
            }
            assertThat(finished).as("demo summary in %s", lines).isNotNull();
            assertThat(finished).contains("all 20 jobs finished: 19 succeeded (4 after a retry), 1 dead");
            process.destroy(); // SIGTERM: the worker stops gracefully and the embedded Redis is shut down
            assertThat(process.waitFor(30, TimeUnit.SECONDS))
                    .as("dev exits after SIGTERM")
                    .isTrue();
        } finally {
            process.destroyForcibly();
        }
    }
}
