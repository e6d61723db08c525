package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.JobState;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A paused queue is not claimed from while enqueue goes on; resuming lets it drain. Other queues are unaffected. */
class PauseResumeTest extends WorkerTestBase {
    @Test
    void aPausedQueueIsNotClaimedUntilResumed() {
        queues.pause("held");
        startWorker(config("w", "held,open").build(), TestHandlers.standard(redis, "w"));
        List<String> held = enqueueMany("held", "record", payload(), 20);
        List<String> open = enqueueMany("open", "record", payload(), 20);

        Await.until(Duration.ofSeconds(20), "the open queue to drain", () -> settled("open"));
        Await.pause(1_500); // longer than the worker's pause re-check, so a claim would have happened
        assertThat(counts("held").paused()).isTrue();
        assertThat(queues.depth("held")).isEqualTo(20);
        assertThat(held).allSatisfy(id -> {
            assertThat(job("held", id).state()).isEqualTo(JobState.QUEUED);
            assertThat(Executions.starts(redis, id)).isEmpty();
        });

        queues.resume("held");
        Await.until(Duration.ofSeconds(20), "the resumed queue to drain", () -> settled("held"));
        assertThat(held).allSatisfy(id -> assertThat(job("held", id).state()).isEqualTo(JobState.SUCCEEDED));
        assertThat(open).allSatisfy(id -> assertThat(job("open", id).state()).isEqualTo(JobState.SUCCEEDED));
    }
}
