package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.JobState;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** With weights 3:1 both queues are served while both have work, the heavier more often, and both drain. */
class WeightedQueuesTest extends WorkerTestBase {
    @Test
    void bothWeightedQueuesDrainAndTheLighterIsNotStarved() {
        List<String> heavy = enqueueMany("heavy", "record", ms(5), 300);
        List<String> light = enqueueMany("light", "record", ms(5), 300);
        Set<String> heavyIds = new HashSet<>(heavy);
        startWorker(config("w", "heavy:3,light:1").concurrency(4).build(), TestHandlers.standard(redis, "w"));

        Await.until(
                Duration.ofSeconds(60),
                "200 jobs to start",
                () -> Executions.starts(redis).size() >= 200);
        List<Executions.Execution> early = Executions.starts(redis);
        long fromHeavy =
                early.stream().filter(e -> heavyIds.contains(e.jobId())).count();
        long fromLight = early.size() - fromHeavy;
        System.out.printf(
                "WeightedQueuesTest: first %d jobs: %d heavy, %d light%n", early.size(), fromHeavy, fromLight);
        assertThat(fromLight)
                .as("the light queue is served while the heavy one has work")
                .isPositive();
        assertThat(fromHeavy).as("the heavy queue is served more often").isGreaterThan(fromLight);

        Await.until(Duration.ofSeconds(60), "both queues to drain", () -> settled("heavy") && settled("light"));
        assertThat(heavy).allSatisfy(id -> assertThat(job("heavy", id).state()).isEqualTo(JobState.SUCCEEDED));
        assertThat(light).allSatisfy(id -> assertThat(job("light", id).state()).isEqualTo(JobState.SUCCEEDED));
    }
}
