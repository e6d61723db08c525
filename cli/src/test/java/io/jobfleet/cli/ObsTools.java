package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** External tools (promtool, docker-compose, redis-cli), the repository's files, ports and bounded waits for the observability tests. */
final class ObsTools {
    private ObsTools() {}

    record Result(int exitCode, String output) {}

    /** The repository root (failsafe runs in cli/). */
    static Path root() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).as("repository root").exists();
        assertThat(root.resolve("cli")).isDirectory();
        return root;
    }

    static Path file(String relative) {
        Path path = root().resolve(relative);
        assertThat(path).as(relative).exists();
        return path;
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command (stdout and stderr together), feeding it {@code input}; fails the test past the timeout. */
    static Result run(Duration timeout, Map<String, String> env, String input, List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Path out = Files.createTempFile("obs-tool", ".txt");
            builder.redirectOutput(out.toFile());
            Process process = builder.start();
            try (var stdin = process.getOutputStream()) {
                if (input != null) stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            Files.delete(out);
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new AssertionError(
                    "cannot run " + command.getFirst() + " (" + e.getMessage()
                            + "); .ci/run installs it (Debian packages prometheus, docker-compose, redis-tools)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Result run(String... command) {
        return run(Duration.ofSeconds(60), Map.of(), null, List.of(command));
    }

    /** Runs and requires exit code 0. */
    static String ok(String... command) {
        Result result = run(command);
        assertThat(result.exitCode())
                .as("%s\n%s", String.join(" ", command), result.output())
                .isZero();
        return result.output();
    }

    /** Deletes a test's scratch directory (best effort). */
    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // scratch space in the temp directory: leaving it is harmless
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls until the condition holds; fails with {@code what} after the timeout. */
    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + ": " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
