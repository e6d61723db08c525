package io.jobfleet.worker.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A worker JVM ({@link ChildWorkerMain}) of its own (the current java binary and class path). Its output
 * is kept for assertions and echoed with a prefix. {@link #kill()} is SIGKILL, {@link #terminate()}
 * SIGTERM, {@link #suspend()} / {@link #resume()} SIGSTOP / SIGCONT.
 */
public final class ChildWorker implements AutoCloseable {
    /** Children still running when the test JVM exits are killed, whatever the test did. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private final String id;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private Thread pump;

    private ChildWorker(String id, Process process) {
        this.id = id;
        this.process = process;
    }

    /** Starts the JVM and waits for its READY line. */
    public static ChildWorker start(String redisUrl, String id, String... options) {
        ChildWorker child = launch(redisUrl, id, options);
        child.awaitLine("READY " + id, Duration.ofSeconds(60));
        return child;
    }

    /** Starts the JVM without waiting: it may die (a crash job) before it says READY. */
    public static ChildWorker launch(String redisUrl, String id, String... options) {
        return launch(ChildWorkerMain.Standard.class, Map.of(), redisUrl, id, options);
    }

    /**
     * The same running another {@link ChildWorkerMain.Fleet} (the fault suite's), with extra environment
     * variables for the child (LD_PRELOAD and FAKETIME for a skewed clock, say).
     */
    public static ChildWorker launch(
            Class<? extends ChildWorkerMain.Fleet> fleet,
            Map<String, String> env,
            String redisUrl,
            String id,
            String... options) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                ChildWorkerMain.class.getName(),
                "--fleet",
                fleet.getName(),
                "--redis",
                redisUrl,
                "--id",
                id));
        command.addAll(List.of(options));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            LIVE.add(process);
            var unused = process.onExit().thenRun(() -> LIVE.remove(process));
            ChildWorker child = new ChildWorker(id, process);
            child.pump = Thread.ofPlatform().daemon().name("output-" + id).start(child::pump);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start worker process " + id, e);
        }
    }

    private void pump() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (!line.startsWith("|-") && !line.isBlank()) System.out.println("[" + id + "] " + line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    public String id() {
        return id;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public List<String> output() {
        return List.copyOf(lines);
    }

    /** Alive and has printed its READY line. */
    public boolean isReady() {
        return process.isAlive() && said("READY " + id);
    }

    public void awaitReady(Duration timeout) {
        awaitLine("READY " + id, timeout);
    }

    public boolean said(String text) {
        return lines.stream().anyMatch(l -> l.contains(text));
    }

    public void awaitLine(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!said(text)) {
            if (!process.isAlive() && !said(text)) {
                Await.pause(100); // let the pump read the rest
                if (said(text)) return;
                throw new AssertionError("worker process " + id + " exited (" + process.exitValue()
                        + ") before printing '" + text + "'; output:\n" + String.join("\n", lines));
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("worker process " + id + " did not print '" + text + "' within " + timeout);
            Await.pause(20);
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /**
     * SIGTERM: the worker's shutdown hook runs its graceful stop. Does not wait. Sent with kill(1)
     * rather than {@link Process#destroy()}, which sends the same signal but also closes our end
     * of the child's output pipe, so its shutdown log would be lost.
     */
    public void terminate() {
        signal("TERM");
    }

    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                throw new AssertionError("worker process " + id + " did not exit within " + timeout);
            pump.join(5_000); // its last words are still in the pipe
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public void suspend() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            if (exit != 0) throw new AssertionError("kill -" + name + " " + process.pid() + " exited " + exit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly(); // SIGKILL ends a suspended process too
            waitForExit(Duration.ofSeconds(30));
        }
    }
}
