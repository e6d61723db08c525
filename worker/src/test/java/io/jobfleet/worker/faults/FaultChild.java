package io.jobfleet.worker.faults;

import io.jobfleet.worker.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FaultWorker} JVM (a copy of the shared {@code ChildWorker}, for this main class).
 * {@link #kill()} is SIGKILL, {@link #terminate()} SIGTERM. Its output is echoed with a prefix.
 */
final class FaultChild implements AutoCloseable {
    /** Children still running when the test JVM exits are killed, whatever the test did. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private final String id;
    private final Process process;
    private volatile boolean ready;
    private Thread pump;

    private FaultChild(String id, Process process) {
        this.id = id;
        this.process = process;
    }

    /** Starts the JVM without waiting for it to be ready. */
    static FaultChild launch(String redisUrl, String id, java.nio.file.Path history, String... options) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                FaultWorker.class.getName(),
                "--redis",
                redisUrl,
                "--id",
                id,
                "--history",
                history.toString()));
        command.addAll(List.of(options));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            LIVE.add(process);
            process.onExit().thenRun(() -> LIVE.remove(process));
            FaultChild child = new FaultChild(id, process);
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
                if (line.equals("READY " + id)) ready = true;
                if (!line.startsWith("|-") && !line.isBlank()) System.out.println("[" + id + "] " + line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    String id() {
        return id;
    }

    boolean isReady() {
        return ready && process.isAlive();
    }

    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready) {
            if (!process.isAlive()) throw new AssertionError("worker process " + id + " exited before READY");
            if (System.nanoTime() > deadline) throw new AssertionError("worker " + id + " not READY in " + timeout);
            Await.pause(20);
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGTERM through kill(1), so our end of its output pipe stays open for its shutdown log. */
    void terminate() {
        try {
            int exit = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            if (exit != 0) throw new AssertionError("kill -TERM " + process.pid() + " exited " + exit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                throw new AssertionError("worker process " + id + " did not exit within " + timeout);
            pump.join(5_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) kill();
    }
}
