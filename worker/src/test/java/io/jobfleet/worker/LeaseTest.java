package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A live worker renews its leases: a job that runs far longer than the lease is never reaped or run twice. */
class LeaseTest extends WorkerTestBase {
    private static final String Q = "lease";

    @Test
    void aLiveWorkersLongJobIsNeverTakenFromIt() {
        for (String id : new String[] {"w1", "w2"}) {
            startWorker(
                    config(id, Q)
                            .lease(Duration.ofMillis(1_000))
                            .renewEvery(Duration.ofMillis(300))
                            .reapEvery(Duration.ofMillis(100))
                            .build(),
                    TestHandlers.standard(redis, id));
        }
        String id = enqueue(NewJob.of(Q, "record", ms(3_500)));
        Await.until(
                Duration.ofSeconds(20),
                "the long job to finish",
                () -> job(Q, id).state() == JobState.SUCCEEDED);

        JobRecord r = job(Q, id);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.errors()).isEmpty();
        assertThat(r.expiries()).isZero();
        assertThat(Executions.starts(redis, id)).hasSize(1);
        assertThat(queues.stats(Q)).doesNotContainKey("orphansRecovered");
    }
}
