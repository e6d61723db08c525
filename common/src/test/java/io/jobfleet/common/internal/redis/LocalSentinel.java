package io.jobfleet.common.internal.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Sentinel set on loopback for tests: one master, {@code replicas} replicas and
 * {@code sentinels} sentinels (quorum: a majority) watching it as {@link #MASTER}, with
 * down-after 2 s. Every process has its own data directory; {@link #close()} stops them all.
 * {@link #failover()} is {@code SENTINEL FAILOVER}; killing the master is {@code master().kill()}.
 */
public final class LocalSentinel implements AutoCloseable {
    public static final String MASTER = "mymaster";
    public static final int DOWN_AFTER_MS = 2000;

    private final List<EmbeddedRedis> servers = new ArrayList<>();
    private final List<Process> sentinels = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final Path binary;

    private LocalSentinel(Path binary) {
        this.binary = binary;
    }

    public static LocalSentinel start(Path binary, int replicas, int sentinelCount) {
        LocalSentinel set = new LocalSentinel(binary);
        try {
            // a replica syncs at once, not after the default 5 s wait for more replicas
            List<String> sync = List.of("--repl-diskless-sync-delay", "0");
            EmbeddedRedis master = EmbeddedRedis.start(binary, 0, sync);
            set.servers.add(master);
            for (int i = 0; i < replicas; i++) {
                set.servers.add(EmbeddedRedis.start(
                        binary,
                        0,
                        List.of(
                                "--replicaof",
                                "127.0.0.1",
                                Integer.toString(master.port()),
                                sync.get(0),
                                sync.get(1))));
            }
            for (int i = 0; i < sentinelCount; i++) set.startSentinel(master.port(), sentinelCount / 2 + 1);
            set.awaitReady(replicas, sentinelCount, Duration.ofSeconds(30));
            set.awaitReplicasSynced(Duration.ofSeconds(30));
            return set;
        } catch (IOException e) {
            set.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
    }

    private void startSentinel(int masterPort, int quorum) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("jobfleet-sentinel-");
        dirs.add(dir);
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "dir " + dir,
                        "daemonize no",
                        "sentinel monitor " + MASTER + " 127.0.0.1 " + masterPort + " " + quorum,
                        "sentinel down-after-milliseconds " + MASTER + " " + DOWN_AFTER_MS,
                        "sentinel failover-timeout " + MASTER + " 10000",
                        "sentinel parallel-syncs " + MASTER + " 2",
                        ""));
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) command.add("/usr/bin/setsid");
        command.addAll(List.of(serverBinary().toString(), conf.toString(), "--sentinel"));
        sentinels.add(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("sentinel.log").toFile()))
                .start());
        sentinelPorts.add(port);
    }

    private Path serverBinary() {
        if (binary != null) return binary;
        return servers.get(0).binary(); // the extracted embedded binary
    }

    private void awaitReady(int replicas, int sentinelCount, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ok = true;
            for (int port : sentinelPorts) {
                String master = sentinelCli(port, "SENTINEL", "MASTER", MASTER);
                ok &= field(master, "num-slaves").equals(Integer.toString(replicas))
                        && field(master, "num-other-sentinels").equals(Integer.toString(sentinelCount - 1));
            }
            String replication = LocalCluster.cli(master(), "INFO", "replication");
            ok &= replication.contains("connected_slaves:" + replicas);
            if (ok) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("sentinel set not ready in " + timeout);
            LocalCluster.sleep(100);
        }
    }

    /** A field of redis-cli's line-per-item output of SENTINEL MASTER (name, then value). */
    private static String field(String reply, String name) {
        String[] lines = reply.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) if (lines[i].trim().equals(name)) return lines[i + 1].trim();
        return "";
    }

    /** {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,...#mymaster}. */
    public String url() {
        return "redis-sentinel://"
                + sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")) + "#" + MASTER;
    }

    /** The server the sentinels name as master now. */
    public EmbeddedRedis master() {
        int port = sentinelPorts.isEmpty() ? servers.get(0).port() : masterPort();
        return servers.stream().filter(s -> s.port() == port).findFirst().orElseThrow();
    }

    public int masterPort() {
        for (int port : sentinelPorts) {
            String reply = sentinelCli(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER);
            String[] lines = reply.trim().split("\n");
            if (lines.length == 2) return Integer.parseInt(lines[1].trim());
        }
        throw new IllegalStateException("no sentinel names a master");
    }

    public List<EmbeddedRedis> servers() {
        return servers;
    }

    /** SENTINEL FAILOVER: promotes a replica without asking the others (the old master is demoted). */
    public void failover() {
        String reply = sentinelCli(sentinelPorts.get(0), "SENTINEL", "FAILOVER", MASTER);
        if (!reply.trim().equals("OK")) throw new IllegalStateException("SENTINEL FAILOVER: " + reply);
    }

    /** Waits until the sentinels name a master other than {@code oldPort}; returns the new port. */
    public int awaitNewMaster(int oldPort, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int now = masterPort();
            if (now != oldPort) return now;
            LocalCluster.sleep(50);
        }
        throw new IllegalStateException("no new master within " + timeout);
    }

    /**
     * Waits until the current master has every other live server as an online replica at its own
     * replication offset: the set is whole again, so a second failover loses nothing already written.
     */
    public void awaitReplicasSynced(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long live = servers.stream().filter(EmbeddedRedis::isAlive).count() - 1;
        while (true) {
            String info = LocalCluster.cli(master(), "INFO", "replication");
            String offset = "";
            int synced = 0;
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("master_repl_offset:"))
                    offset = line.substring(line.indexOf(':') + 1).trim();
            }
            for (String line : info.split("\r?\n")) {
                if (line.matches("slave\\d+:.*")
                        && line.contains("state=online")
                        && line.contains("offset=" + offset + ",")) synced++;
            }
            if (synced == live) return;
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("replicas not in sync in " + timeout + ": " + info);
            LocalCluster.sleep(50);
        }
    }

    private String sentinelCli(int port, String... args) {
        List<String> command = new ArrayList<>(
                List.of(LocalCluster.redisCli(binary).toString(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        return LocalCluster.run(command);
    }

    @Override
    public void close() {
        for (Process p : sentinels) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (EmbeddedRedis server : servers) server.close();
        for (Path dir : dirs) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind is harmless
            }
        }
    }
}
