package io.jobfleet.worker.faults;

import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 2: SIGKILL of redis-server mid-load, three times, each followed by a restart on the same
 * port that replays the AOF ({@code appendfsync everysec}). Producers see their enqueues fail
 * (outcome unknown) and retry them under the same idempotency key; workers ride out the outage.
 * No acknowledged job is lost, and no key ends up with two jobs.
 */
@Tag("slow")
class RedisKillTest extends FaultTestBase {
    private static final String Q = "redis-kill";
    private static final int KILLS = 3;

    @Test
    void sigkillOfRedisMidLoadLosesNoAcknowledgedJob() {
        String[] options = opts(
                "--queues", Q, "--concurrency", "4", "--lease-ms", "3000", "--renew-ms", "500", "--reap-ms", "500");
        List<ChildWorker> fleet = List.of(launch("r1", options), launch("r2", options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));

        try (Producers load =
                new Producers(store, Q, history, Duration.ofMillis(20), Producers.durations(150, 0, 0)).start(2)) {
            for (int kill = 1; kill <= KILLS; kill++) {
                Await.pause(4_000);
                server.kill();
                long killedAt = System.nanoTime();
                Await.pause(1_500);
                server.restart();
                System.out.printf(
                        "FAULT TABLE redis-sigkill %d: Redis down for %d ms%n",
                        kill, (System.nanoTime() - killedAt) / 1_000_000);
            }
            Await.pause(4_000);
        }
        assertSafe(drainAndCheck("Redis SIGKILL x" + KILLS, Q));
    }
}
