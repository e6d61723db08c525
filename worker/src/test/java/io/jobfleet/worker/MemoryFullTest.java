package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.demo.NoopHandler;
import io.jobfleet.worker.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With Redis memory full, enqueue is refused with a clear error while workers keep claiming and acking. */
@RedisServerExtension.Args({"--maxmemory", "3mb"})
class MemoryFullTest extends WorkerTestBase {
    private static final String Q = "full";

    @Test
    void aWorkerDrainsAFullRedis() {
        List<String> ids = new ArrayList<>();
        RedisOutOfMemoryException refused = null;
        String filler = "x".repeat(200);
        while (refused == null && ids.size() < 200_000) {
            List<NewJob> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++)
                batch.add(NewJob.of(Q, "noop", payload().put("fill", filler)));
            try {
                store.enqueue(batch, 0).forEach(r -> ids.add(r.id()));
            } catch (RedisOutOfMemoryException e) {
                refused = e;
            }
        }
        System.out.printf(
                "MemoryFullTest: Redis full after %d jobs (used_memory %s of maxmemory %s)%n",
                ids.size(), redis.info("memory", "used_memory"), redis.info("memory", "maxmemory"));
        assertThat(ids).as("jobs that fit before memory ran out").hasSizeGreaterThan(100);
        assertThat(refused).as("enqueue refused once memory is full").isNotNull();
        assertThat(refused.getMessage()).contains("out of memory").contains("maxmemory");
        assertThat(refused.code()).isEqualTo("redis_out_of_memory");
        assertThat(queues.depth(Q)).as("a refused batch writes nothing").isEqualTo(ids.size());
        // a batch's own request counts against maxmemory while it runs; single jobs may still fit, until they do not
        for (int i = 0; i < 10_000; i++) {
            try {
                ids.add(store.enqueue(NewJob.of(Q, "noop", payload().put("fill", filler)))
                        .id());
            } catch (RedisOutOfMemoryException e) {
                break;
            }
        }
        // the same job again is refused too (a smaller one may still squeeze in: Redis checks memory before a
        // script's first write, and the request's own buffer counts)
        assertThatThrownBy(() -> store.enqueue(NewJob.of(Q, "noop", payload().put("fill", filler))))
                .isInstanceOf(RedisOutOfMemoryException.class);
        assertThat(queues.depth(Q)).isEqualTo(ids.size());

        try (OutageLog outageLog = new OutageLog()) {
            startWorker(config("drainer", Q).concurrency(16).build(), new Handlers().add(new NoopHandler()));
            Await.until(Duration.ofMinutes(2), "the worker to drain the full queue", () -> settled(Q));
            assertThat(outageLog.messages()).as("a full Redis is not an outage").isEmpty();
        }

        assertThat(queues.depth(Q)).isZero();
        assertThat(queues.stats(Q)).containsEntry("succeeded", Integer.toString(ids.size()));
        for (String id : ids) assertThat(job(Q, id).state()).isEqualTo(JobState.SUCCEEDED);
    }
}
