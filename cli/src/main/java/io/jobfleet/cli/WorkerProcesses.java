package io.jobfleet.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real {@code jobfleet worker} processes for {@code jobfleet bench --worker-processes}: this JVM's
 * java binary, class path and JVM flags (those bin/jobfleet gives: -XX:+ExitOnOutOfMemoryError and
 * JAVA_OPTS), the worker's default settings and default logging, this process's environment (the
 * Redis URL in JOBFLEET_REDIS_URL). Each one's stdout and stderr (its log) go to files in the temp
 * directory, never to the bench's terminal; {@link #close} stops them with SIGTERM, then SIGKILL
 * after 10 s, and deletes the files.
 */
final class WorkerProcesses implements AutoCloseable {
    private static final long CLOCK_TICKS_PER_SECOND = clockTicks();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    private WorkerProcesses() {}

    /** Starts {@code count} workers on queue {@code queue} with {@code --concurrency concurrency}, the rest at defaults. */
    static WorkerProcesses start(int count, String url, String queue, int concurrency) throws IOException {
        WorkerProcesses workers = new WorkerProcesses();
        try {
            for (int i = 0; i < count; i++) workers.launch(url, queue, concurrency);
        } catch (IOException | RuntimeException e) {
            workers.close();
            throw e;
        }
        return workers;
    }

    private void launch(String url, String queue, int concurrency) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.jobfleet.cli.Main"));
        // metrics on, as by default, but on a free port: N workers (and other processes) cannot share 9400
        command.addAll(List.of(
                "worker", "--queues", queue, "--concurrency", Integer.toString(concurrency), "--metrics-port", "0"));
        Path out = Files.createTempFile("jobfleet-bench-worker-", ".out");
        Path log = Files.createTempFile("jobfleet-bench-worker-", ".log");
        outputs.add(out);
        logs.add(log);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile());
        builder.environment().put("JOBFLEET_REDIS_URL", url); // not a flag: a password would show in ps
        Process process = builder.start();
        process.getOutputStream().close();
        processes.add(process);
    }

    /** Waits until every worker has printed its "running on" line, which it prints once its loops have started. */
    void awaitReady(long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (int i = 0; i < processes.size(); i++) {
            while (!Files.readString(outputs.get(i), StandardCharsets.UTF_8).contains(" running on ")) {
                checkAlive();
                if (System.currentTimeMillis() > deadline)
                    throw new IllegalStateException(
                            "worker process " + processes.get(i).pid() + " was not running after " + timeoutMs
                                    + " ms; its log: " + tail(logs.get(i)));
                Thread.sleep(10);
            }
        }
    }

    /** Throws, with the end of its log, when a worker has exited: the bench would otherwise wait for ever. */
    void checkAlive() throws IOException {
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            if (!p.isAlive())
                throw new IllegalStateException(
                        "worker process " + p.pid() + " exited (" + p.exitValue() + "); its log: " + tail(logs.get(i)));
        }
    }

    /**
     * CPU time (user + system) of every worker since it started, in microseconds, from
     * /proc/PID/stat (fields utime and stime, in clock ticks); 0 where there is no /proc.
     */
    long cpuMicros() throws IOException {
        long ticks = 0;
        for (Process p : processes) {
            Path stat = Path.of("/proc", Long.toString(p.pid()), "stat");
            if (!Files.exists(stat)) continue;
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            // after "pid (comm) ": state is field 3, utime field 14, stime field 15; comm may hold spaces
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        return ticks * 1_000_000L / CLOCK_TICKS_PER_SECOND;
    }

    /** Bytes the workers wrote to stderr, their log: read after {@link #stop}, so that nothing is still buffered. */
    long logBytes() throws IOException {
        long bytes = 0;
        for (Path log : logs) bytes += Files.size(log);
        return bytes;
    }

    int count() {
        return processes.size();
    }

    /** SIGTERM to all, then waits up to 10 s for each before SIGKILL. */
    void stop() throws InterruptedException {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Stops the workers (if still running) and deletes their output files. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            processes.forEach(Process::destroyForcibly);
            Thread.currentThread().interrupt();
        }
        for (Path file : outputs) file.toFile().delete();
        for (Path file : logs) file.toFile().delete();
    }

    private static String tail(Path log) throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return text.length() <= 2000 ? text : text.substring(text.length() - 2000);
    }

    /** The kernel's clock ticks per second (getconf CLK_TCK), 100 when it cannot be asked. */
    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
