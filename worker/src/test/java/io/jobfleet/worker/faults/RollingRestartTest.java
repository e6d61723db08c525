package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 3: rolling restart. Every worker JVM in turn gets SIGTERM mid-job and is replaced, three
 * rounds, under steady load. Short jobs finish within the 500 ms grace; the 1.5 s ones are
 * interrupted and handed back. No acknowledged job is lost or stuck.
 */
@Tag("slow")
class RollingRestartTest extends FaultTestBase {
    private static final String Q = "rolling";
    private static final int ROUNDS = 3;

    @Test
    void sigtermOfEveryWorkerInTurnLosesNoJob() {
        String[] options = opts(
                "--queues",
                Q,
                "--concurrency",
                "4",
                "--lease-ms",
                "3000",
                "--renew-ms",
                "500",
                "--reap-ms",
                "500",
                "--grace-ms",
                "500");
        List<ChildWorker> fleet = new ArrayList<>();
        for (int n = 1; n <= 3; n++) fleet.add(launch("t" + n + "-0", options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));

        int terminated = 0;
        try (Producers load = new Producers(
                        store, Q, history, Duration.ofMillis(20), Producers.durations(150, 0.05, 1_500))
                .start(2)) {
            for (int round = 1; round <= ROUNDS; round++) {
                for (int slot = 0; slot < fleet.size(); slot++) {
                    Await.pause(1_000);
                    ChildWorker old = fleet.get(slot);
                    old.terminate();
                    int exit = old.waitForExit(Duration.ofSeconds(30));
                    assertThat(exit)
                            .as("exit status of %s after SIGTERM", old.id())
                            .isEqualTo(143);
                    terminated++;
                    ChildWorker next = launch("t" + (slot + 1) + "-" + round, options);
                    next.awaitReady(Duration.ofSeconds(60));
                    fleet.set(slot, next);
                }
            }
            Await.pause(2_000);
        }
        assertSafe(drainAndCheck("worker SIGTERM x" + terminated, Q));
    }
}
