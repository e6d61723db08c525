package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged jobfleet.jar as a user does: a separate process, its stdout, stderr and exit code. */
final class Cli {
    record Result(int exitCode, String stdout, String stderr) {
        /** stderr without its trailing newline, for one-line checks. */
        String error() {
            return stderr.strip();
        }
    }

    private static Path copy;

    /**
     * The packaged jar, copied once per test run: a rebuild of cli/target (another build on the
     * same tree) then cannot swap the jar under a process that is running.
     */
    static synchronized Path jar() {
        if (copy != null) return copy;
        Path jar = Path.of(System.getProperty("jobfleet.jar", "target/jobfleet.jar"));
        assertThat(jar).as("the packaged jar (run through mvn verify)").exists();
        try {
            copy = Files.createTempFile("jobfleet-it-", ".jar");
            Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
            copy.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    static List<String> command(String... args) {
        return command(List.of(), args);
    }

    /** The command line, with JVM flags (e.g. -Xmx64m) before -jar. */
    static List<String> command(List<String> jvmFlags, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmFlags);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return command;
    }

    /** A process builder for the command with no JOBFLEET_REDIS_URL inherited from the test's environment. */
    static ProcessBuilder builder(List<String> jvmFlags, String... args) {
        ProcessBuilder builder = new ProcessBuilder(command(jvmFlags, args));
        builder.environment().remove("JOBFLEET_REDIS_URL");
        builder.environment().remove("JOBFLEET_ACTOR");
        return builder;
    }

    static Result run(List<String> jvmFlags, Map<String, String> env, Duration timeout, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("cli-out", ".txt");
        Path err = Files.createTempFile("cli-err", ".txt");
        try {
            ProcessBuilder builder =
                    builder(jvmFlags, args).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().close(); // no terminal and no input, as in a script or a pipe
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("jobfleet " + String.join(" ", args) + " did not finish within " + timeout);
            }
            return new Result(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(List.of(), env, Duration.ofSeconds(60), args);
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** Runs and requires exit code 0. */
    static Result ok(String... args) throws IOException, InterruptedException {
        Result result = run(args);
        assertThat(result.exitCode())
                .as("jobfleet %s\nstdout: %s\nstderr: %s", String.join(" ", args), result.stdout(), result.stderr())
                .isZero();
        return result;
    }
}
