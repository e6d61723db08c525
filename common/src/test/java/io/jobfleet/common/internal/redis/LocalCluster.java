package io.jobfleet.common.internal.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on loopback for tests: {@code masters} cluster-enabled redis-server
 * processes (plus {@code replicasPerMaster} replicas of each) on free ports, each with its own
 * data directory, joined with {@code redis-cli --cluster create}. {@link #close()} stops every
 * node. {@link #failover(EmbeddedRedis)} runs CLUSTER FAILOVER on a replica; a node's {@link EmbeddedRedis#kill()} is SIGKILL.
 */
public final class LocalCluster implements AutoCloseable {
    /** Cluster node timeout: how long before a silent master is failed over. */
    public static final int NODE_TIMEOUT_MS = 2000;

    private final List<EmbeddedRedis> nodes;
    private final int masters;

    private LocalCluster(List<EmbeddedRedis> nodes, int masters) {
        this.nodes = nodes;
        this.masters = masters;
    }

    public static LocalCluster start(Path binary, int masters, int replicasPerMaster) {
        List<EmbeddedRedis> nodes = new ArrayList<>();
        LocalCluster cluster = new LocalCluster(nodes, masters);
        try {
            int count = masters * (1 + replicasPerMaster);
            for (int i = 0; i < count; i++) {
                nodes.add(EmbeddedRedis.start(
                        binary,
                        clusterPort(),
                        List.of(
                                "--cluster-enabled", "yes",
                                "--cluster-config-file", "nodes.conf",
                                "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS),
                                // a replica with a stale copy may still be promoted: we test availability
                                "--cluster-replica-validity-factor", "0",
                                "--repl-diskless-sync-delay", "0")));
            }
            List<String> command = new ArrayList<>(List.of(redisCli(binary).toString(), "--cluster", "create"));
            for (EmbeddedRedis node : nodes) command.add("127.0.0.1:" + node.port());
            command.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
            String out = run(command);
            if (!out.contains("All 16384 slots covered")) throw new IllegalStateException("cluster create: " + out);
            cluster.awaitHealthy(Duration.ofSeconds(30));
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...}: every node as a seed. */
    public String url() {
        return "redis-cluster://"
                + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    public List<EmbeddedRedis> nodes() {
        return nodes;
    }

    public int masters() {
        return masters;
    }

    /** CLUSTER NODES as one node sees it. */
    public String clusterNodes(EmbeddedRedis node) {
        return cli(node, "CLUSTER", "NODES");
    }

    /** The nodes that are masters now (as the first live node sees it). */
    public List<EmbeddedRedis> currentMasters() {
        String view = clusterNodes(
                nodes.stream().filter(EmbeddedRedis::isAlive).findFirst().orElseThrow());
        List<EmbeddedRedis> out = new ArrayList<>();
        for (String line : view.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8 || !f[2].contains("master") || f[2].contains("fail")) continue;
            int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
            nodes.stream().filter(n -> n.port() == port).forEach(out::add);
        }
        return out;
    }

    /** A replica of {@code master} (by CLUSTER NODES), or null. */
    public EmbeddedRedis replicaOf(EmbeddedRedis master) {
        String view = clusterNodes(master);
        String masterId = null;
        for (String line : view.split("\n")) if (line.contains("myself")) masterId = line.split(" ")[0];
        for (String line : view.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length > 3 && f[2].contains("slave") && f[3].equals(masterId) && !f[2].contains("fail")) {
                int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                return nodes.stream().filter(n -> n.port() == port).findFirst().orElse(null);
            }
        }
        return null;
    }

    /** The master serving {@code key}'s slot now (by CLUSTER NODES as a live node sees it). */
    public EmbeddedRedis masterOf(String key) {
        EmbeddedRedis any =
                nodes.stream().filter(EmbeddedRedis::isAlive).findFirst().orElseThrow();
        int slot = Integer.parseInt(cli(any, "CLUSTER", "KEYSLOT", key).trim());
        for (String line : clusterNodes(any).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) continue;
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) continue; // a slot being migrated
                String[] range = f[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                    return nodes.stream()
                            .filter(n -> n.port() == port)
                            .findFirst()
                            .orElseThrow();
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** CLUSTER FAILOVER on a replica: a manual, coordinated switch that waits for the replica to catch up. */
    public void failover(EmbeddedRedis replica) {
        String reply = cli(replica, "CLUSTER", "FAILOVER");
        if (!reply.trim().equals("OK")) throw new IllegalStateException("CLUSTER FAILOVER: " + reply);
    }

    /** Waits until every live node says cluster_state:ok and sees every slot served. */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ok = true;
            for (EmbeddedRedis node : nodes) {
                if (!node.isAlive()) continue;
                String info = cli(node, "CLUSTER", "INFO");
                ok &= info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384");
            }
            if (ok) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("cluster not healthy in " + timeout);
            sleep(100);
        }
    }

    @Override
    public void close() {
        for (EmbeddedRedis node : nodes) node.close();
    }

    /** One command through redis-cli against one node. */
    public static String cli(EmbeddedRedis node, String... args) {
        List<String> command = new ArrayList<>(
                List.of(redisCli(node.binary()).toString(), "-h", "127.0.0.1", "-p", Integer.toString(node.port())));
        command.addAll(List.of(args));
        return run(command);
    }

    /** redis-cli next to the server binary, else on the PATH (Debian's redis-tools). */
    static Path redisCli(Path binary) {
        if (binary != null) {
            Path sibling = binary.resolveSibling("redis-cli");
            if (Files.isExecutable(sibling)) return sibling;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "redis-cli");
            if (Files.isExecutable(p)) return p;
        }
        throw new IllegalStateException("redis-cli not found: install redis-tools (Debian) to run Cluster tests");
    }

    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    static int clusterPort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 50000);
            if (free(port) && free(port + 10000)) return port;
        }
        throw new IllegalStateException("no free port pair for a cluster node");
    }

    static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
