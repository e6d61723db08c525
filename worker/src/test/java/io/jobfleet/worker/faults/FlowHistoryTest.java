package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.worker.faults.HistoryChecker.Run;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The flow tests' measures on hand-made histories: they must see each overlap and each crowded window. */
class FlowHistoryTest {
    private static Run start(String job, String worker, int attempt, long ms) {
        return new Run(job, "-", worker, attempt, ms, false, false);
    }

    private static Run end(String job, String worker, int attempt, long ms) {
        return new Run(job, "-", worker, attempt, ms, true, false);
    }

    private static int count(List<Run> runs, Map<String, Long> killedAt) {
        return FlowHistory.maxRunning(runs, killedAt).count();
    }

    @Test
    void anEndAndAStartAtTheSameMillisecondDoNotOverlap() {
        List<Run> runs =
                List.of(start("a", "w", 1, 0), end("a", "w", 1, 10), start("b", "w", 1, 10), end("b", "w", 1, 20));
        assertThat(count(runs, Map.of())).isEqualTo(1);
    }

    @Test
    void aRunCutShortEndsAtItsWorkersKillOrAtTheJobsNextRun() {
        List<Run> killed = List.of(
                start("a", "w1", 1, 0), // w1 killed at 50: a is open until then
                start("b", "w2", 1, 40),
                end("b", "w2", 1, 60),
                start("c", "w2", 1, 60), // after the kill: overlaps b's end only
                end("c", "w2", 1, 70));
        assertThat(count(killed, Map.of("w1", 50L))).isEqualTo(2);
        assertThat(count(killed, Map.of("w1", 65L))).isEqualTo(2);
        List<Run> late = List.of(start("a", "w1", 1, 0), start("d", "w2", 1, 100), end("d", "w2", 1, 110));
        assertThat(count(late, Map.of("w1", 50L))).isEqualTo(1);
        assertThat(count(late, Map.of())).as("never closed: runs to the end").isEqualTo(2);

        List<Run> rerun = List.of(
                start("a", "w1", 1, 0), // no end: its lease was lost, the re-run at 30 closes it
                start("b", "w2", 1, 20),
                start("a", "w2", 2, 30),
                end("a", "w2", 2, 40),
                end("b", "w2", 1, 40),
                start("c", "w2", 1, 35));
        assertThat(count(rerun, Map.of())).isEqualTo(3);
    }

    @Test
    void theBusiestWindowCountsStartsInAHalfOpenInterval() {
        assertThat(FlowHistory.maxInWindow(List.of(0L, 999L, 1_000L, 1_001L), 1_000))
                .isEqualTo(3);
        assertThat(FlowHistory.maxInWindow(List.of(0L, 1_000L, 2_000L), 1_000)).isEqualTo(1);
        assertThat(FlowHistory.maxInWindow(List.of(), 1_000)).isZero();
    }
}
