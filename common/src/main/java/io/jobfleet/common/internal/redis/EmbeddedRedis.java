package io.jobfleet.common.internal.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server process on loopback, for {@code jobfleet dev} and for tests. It runs the
 * given binary (Debian's redis-server, say) or the Redis 6.2 binary shipped inside the
 * embedded-redis jar. AOF is on, eviction off. {@link #kill()} is a real SIGKILL and
 * {@link #restart()} starts the same server again on the same port and data directory.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static Path extracted;

    private final Path binary;
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private EmbeddedRedis(Path binary, int port, Path dir, List<String> extraArgs) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * Starts a server. {@code binary} null means the embedded 6.2 binary; {@code port} 0 means a
     * free port; {@code extraArgs} are redis-server options such as {@code "--maxmemory", "2mb"}.
     */
    public static EmbeddedRedis start(Path binary, int port, List<String> extraArgs) {
        try {
            Path dir = Files.createTempDirectory("jobfleet-redis-");
            EmbeddedRedis redis = new EmbeddedRedis(
                    binary != null ? binary : embeddedBinary(), port != 0 ? port : freePort(), dir, extraArgs);
            redis.launch();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server: " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** The redis-server's pid (setsid execs it in place, so it is the process we started). */
    public long pid() {
        return process.pid();
    }

    public Path binary() {
        return binary;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the server dies at once, as in a crash; acknowledged writes are in the AOF (written before replying). */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** Starts the same server again: same port, same data directory, so the AOF is replayed. */
    public void restart() {
        if (isAlive()) kill();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart redis-server: " + e.getMessage(), e);
        }
    }

    /** Stops the server (SIGTERM) and deletes its data directory. */
    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            waitForExit();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS))
                process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void launch() throws IOException {
        Path log = dir.resolve("redis.log");
        process = new ProcessBuilder(command())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        awaitPing(log);
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        // its own session, so a Ctrl-C meant for our JVM does not kill Redis before we shut down in order
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) command.add("/usr/bin/setsid");
        command.addAll(List.of(
                binary.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir.toString(),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--maxmemory-policy",
                "noeviction",
                "--daemonize",
                "no"));
        command.addAll(extraArgs);
        return command;
    }

    /** Waits up to 20 s for the started server to answer PING; fails with its log if it exits or stays silent. */
    private void awaitPing(Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (answersPing()) return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for redis-server");
            }
        }
        throw new IOException("redis-server did not answer on port " + port + " within 20 s: " + Files.readString(log));
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(500);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = new byte[7];
            int n = socket.getInputStream().read(reply);
            return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Copies the redis-server binary that embedded-redis ships for this OS and CPU to a temp file, once. */
    private static synchronized Path embeddedBinary() throws IOException {
        if (extracted != null) return extracted;
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        String name;
        if (os.contains("linux")) name = arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        else if (os.contains("mac"))
            name = arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        else
            throw new IOException(
                    "no embedded redis-server for " + os + "/" + arch + ": install Redis and pass --redis-url");
        try (InputStream in = EmbeddedRedis.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IOException("the embedded redis-server binary " + name
                        + " is not on the classpath (add com.github.codemonstur:embedded-redis)");
            }
            Path file = Files.createTempFile("jobfleet-redis-server-", "");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            if (!file.toFile().setExecutable(true)) throw new IOException("cannot make " + file + " executable");
            file.toFile().deleteOnExit();
            extracted = file;
            return file;
        }
    }
}
