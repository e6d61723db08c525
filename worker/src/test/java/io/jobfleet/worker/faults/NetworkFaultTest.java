package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.faults.HistoryChecker.Run;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 4: a bad network between Redis and its clients, through {@link ChaosProxy}s the test
 * controls: every worker JVM reaches Redis through a proxy of its own, the producers through
 * another. Under steady load, three rounds of: 50 ms latency per chunk for 4 s, an RST of every
 * connection, an 8 s black hole (longer than the clients' 5 s socket timeout and the 7 s one of a
 * blocking wait, so they must give up by themselves), then 2.5 s of lost replies (commands run,
 * answers dropped, connections reset) — each on one worker's proxy in turn and on the producers'.
 * Producers retry unknown enqueues under the same idempotency key. Nothing acknowledged is lost
 * or stuck, no key gets two jobs, and every black-holed worker claims again afterwards.
 */
@Tag("slow")
class NetworkFaultTest extends FaultTestBase {
    private static final String Q = "net";
    private static final int WORKERS = 3;
    private static final int ROUNDS = 3;
    private static final long LATENCY_MS = 50;
    private static final long LATENCY_FOR_MS = 4_000;
    private static final long BLACK_HOLE_MS = 8_000;
    private static final long LOST_REPLIES_MS = 2_500;
    private static final long PASS_MS = 2_000;

    private enum Fault {
        LATENCY,
        RESET,
        BLACK_HOLE,
        LOST_REPLIES
    }

    /** What one fault did over the run. */
    private static final class Tally {
        int applied;
        long resets;
        long abandoned;
        long heldMs;
    }

    /** A black hole a worker went through, and when it ended. */
    private record Hole(String worker, long endedAtMs) {}

    /** Every proxy, open until the drain is checked: the workers reach Redis only through theirs. */
    private final List<ChaosProxy> proxies = new ArrayList<>();

    @AfterEach
    void closeProxies() {
        proxies.forEach(ChaosProxy::close);
        proxies.clear();
    }

    @Test
    void latencyResetsBlackHolesAndLostRepliesLoseNoJob() {
        String[] options = opts(
                "--queues", Q, "--concurrency", "4", "--lease-ms", "3000", "--renew-ms", "500", "--reap-ms", "500");
        ChaosProxy producerProxy = ChaosProxy.start("producers", server.port());
        proxies.add(producerProxy);
        List<ChaosProxy> workerProxies = new ArrayList<>();
        List<String> workerIds = new ArrayList<>();
        Map<Fault, Tally> tallies = new EnumMap<>(Fault.class);
        List<Hole> holes = new ArrayList<>();
        try (Redis viaProxy =
                Redis.connect(RedisSettings.fromUrl(producerProxy.url()).withPoolSize(8))) {
            List<ChildWorker> fleet = new ArrayList<>();
            for (int n = 1; n <= WORKERS; n++) {
                ChaosProxy proxy = ChaosProxy.start("n" + n, server.port());
                proxies.add(proxy);
                workerProxies.add(proxy);
                workerIds.add("n" + n);
                fleet.add(launchVia(proxy.url(), Map.of(), "n" + n, options));
            }
            fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));

            JobStore producerStore = new JobStore(viaProxy, Retention.DEFAULT);
            try (Producers load = new Producers(
                            producerStore, Q, history, Duration.ofMillis(20), Producers.durations(150, 0, 0))
                    .start(2)) {
                Await.pause(3_000);
                int cycle = 0;
                for (int round = 1; round <= ROUNDS; round++) {
                    for (Fault fault : Fault.values()) {
                        int slot = cycle++ % WORKERS;
                        List<ChaosProxy> hit = List.of(workerProxies.get(slot), producerProxy);
                        long resetBefore = resetCount(hit);
                        long abandonedBefore = abandonedCount(hit);
                        long started = System.nanoTime();
                        switch (fault) {
                            case LATENCY -> {
                                hit.forEach(p -> p.latency(LATENCY_MS));
                                Await.pause(LATENCY_FOR_MS);
                                hit.forEach(ChaosProxy::pass);
                            }
                            case RESET -> hit.forEach(ChaosProxy::reset);
                            case BLACK_HOLE -> {
                                hit.forEach(ChaosProxy::blackHole);
                                Await.pause(BLACK_HOLE_MS);
                                hit.forEach(ChaosProxy::pass); // resets what the hole left open
                                holes.add(new Hole(workerIds.get(slot), System.currentTimeMillis()));
                            }
                            case LOST_REPLIES -> {
                                hit.forEach(ChaosProxy::loseReplies);
                                Await.pause(LOST_REPLIES_MS);
                                hit.forEach(ChaosProxy::pass); // resets the connections that lost replies
                            }
                        }
                        Tally tally = tallies.computeIfAbsent(fault, f -> new Tally());
                        tally.applied++;
                        tally.heldMs += (System.nanoTime() - started) / 1_000_000;
                        tally.resets += resetCount(hit) - resetBefore;
                        tally.abandoned += abandonedCount(hit) - abandonedBefore;
                        Await.pause(PASS_MS);
                    }
                }
                Await.pause(5_000); // all healed: let every worker show it claims again
            }
        }

        printTally("latency " + LATENCY_MS + " ms/chunk", tallies.get(Fault.LATENCY));
        printTally("reset (RST all)", tallies.get(Fault.RESET));
        printTally("black hole", tallies.get(Fault.BLACK_HOLE));
        printTally("lost replies", tallies.get(Fault.LOST_REPLIES));
        System.out.printf(
                "FAULT TABLE net proxies: %d connections accepted, %d bytes dropped%n",
                proxies.stream().mapToLong(ChaosProxy::connectionsAccepted).sum(),
                proxies.stream().mapToLong(ChaosProxy::droppedBytes).sum());

        HistoryChecker.Report report = drainAndCheck("network x" + (ROUNDS * 4), Q);
        List<Long> recoveries = recoveries(holes, HistoryChecker.runs(history));
        System.out.printf(
                "FAULT TABLE net black hole -> victim worker's next job start, per hole (ms): %s%n", recoveries);

        assertThat(tallies.get(Fault.BLACK_HOLE).abandoned)
                .as("connections the clients gave up on by themselves during black holes (socket timeouts)")
                .isPositive();
        assertThat(tallies.get(Fault.RESET).resets)
                .as("connections reset by RST")
                .isPositive();
        assertThat(tallies.get(Fault.LOST_REPLIES).resets)
                .as("connections reset after losing replies")
                .isPositive();
        assertThat(report.unknownAttempts())
                .as("enqueues whose outcome the producers never learned, then retried")
                .isPositive();
        assertThat(recoveries)
                .as("every black-holed worker claims again afterwards (-1: it never did)")
                .hasSize(ROUNDS)
                .allMatch(ms -> ms >= 0);
        assertSafe(report);
    }

    private static long resetCount(List<ChaosProxy> proxies) {
        return proxies.stream().mapToLong(ChaosProxy::connectionsReset).sum();
    }

    private static long abandonedCount(List<ChaosProxy> proxies) {
        return proxies.stream().mapToLong(ChaosProxy::connectionsAbandoned).sum();
    }

    private static void printTally(String what, Tally t) {
        System.out.printf(
                "FAULT TABLE net %-22s applied %d x (one worker's proxy + producers'), %6d ms in all;"
                        + " connections reset %4d, given up by their client %4d%n",
                what, t.applied, t.heldMs, t.resets, t.abandoned);
    }

    /** Per black hole: ms from its end to the victim's first job start after it; -1 if none. */
    private static List<Long> recoveries(List<Hole> holes, List<Run> runs) {
        List<Long> out = new ArrayList<>();
        for (Hole hole : holes) {
            out.add(runs.stream()
                    .filter(r -> !r.end() && r.worker().equals(hole.worker()) && r.atMs() >= hole.endedAtMs())
                    .mapToLong(r -> r.atMs() - hole.endedAtMs())
                    .min()
                    .orElse(-1));
        }
        return out;
    }
}
