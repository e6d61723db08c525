package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.demo.FailHandler;
import io.jobfleet.worker.demo.NoopHandler;
import io.jobfleet.worker.demo.SleepHandler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WorkerSmokeTest {
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.topology();

    @Test
    void runsJobsRetriesAndDeadLetters() throws Exception {
        Redis redis = REDIS.redis();
        JobStore store = new JobStore(redis, Retention.DEFAULT);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(store.enqueue(NewJob.of("smoke", "noop", JsonNodeFactory.instance.objectNode()))
                    .id());
        }
        String failing = store.enqueue(NewJob.of(
                                "smoke",
                                "fail",
                                JsonNodeFactory.instance.objectNode().put("times", 1))
                        .withBackoff(new io.jobfleet.common.job.RetryPolicy(10, 2, 100, 3)))
                .id();
        String dead = store.enqueue(NewJob.of("smoke", "fail", JsonNodeFactory.instance.objectNode())
                        .withBackoff(new io.jobfleet.common.job.RetryPolicy(10, 2, 100, 3)))
                .id();
        WorkerConfig config =
                WorkerConfig.builder().queues("smoke").concurrency(8).build();
        Handlers handlers =
                new Handlers().add(new NoopHandler()).add(new FailHandler()).add(new SleepHandler());
        try (Worker worker = new Worker(redis, config, handlers)) {
            worker.start();
            // wait for the outcomes themselves: depth counts read key by key can miss a job
            // that moves between two of them (scheduled -> pending) and end the wait early
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline
                    && !(store.get("smoke", dead).orElseThrow().state() == JobState.DEAD
                            && store.get("smoke", failing).orElseThrow().state() == JobState.SUCCEEDED
                            && ids.stream()
                                    .allMatch(id ->
                                            store.get("smoke", id).orElseThrow().state() == JobState.SUCCEEDED))) {
                Thread.sleep(50);
            }
        }
        for (String id : ids)
            assertThat(store.get("smoke", id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(store.get("smoke", failing).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        var deadRecord = store.get("smoke", dead).orElseThrow();
        assertThat(deadRecord.state()).isEqualTo(JobState.DEAD);
        assertThat(deadRecord.errors()).hasSize(3);
    }
}
