package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Review M4: stop() did not wait for a claim in flight, so the jobs it returned were started after
 * stop() had handed back the rest, and were left ACTIVE with nobody renewing them (a lease of
 * delay, an attempt and an expiry spent). Here a worker reaches Redis through a proxy adding
 * 200 ms each way, on a queue of 4 partitions under steady enqueues, and is stopped at random
 * moments: after each stop() no job may be ACTIVE in its name.
 */
@Tag("slow")
class ShutdownClaimTest {
    private static final String Q = "stop-claim";
    private static final int ROUNDS = 12;

    @Test
    void noJobIsLeftActiveInTheNameOfAStoppedWorker() throws Exception {
        try (EmbeddedRedis server = TestRedis.start();
                Redis redis = Redis.connect(RedisSettings.fromUrl(server.url()));
                ChaosProxy proxy = ChaosProxy.start("stop", server.port())) {
            JobStore store = new JobStore(redis, Retention.DEFAULT);
            QueueStore queues = new QueueStore(redis);
            queues.declarePartitions(Q, 4);
            proxy.latency(200);
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producer = Thread.ofPlatform().daemon().start(() -> {
                while (producing.get()) {
                    try {
                        store.enqueue(NewJob.of(Q, "quick", io.jobfleet.common.internal.job.Json.read("{}")));
                    } catch (RuntimeException e) {
                        // the server is ours and local; keep the load going
                    }
                    Await.pause(20);
                }
            });
            try {
                int caught = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    String id = "stopper-" + round;
                    try (Redis pool =
                            Redis.connect(RedisSettings.fromUrl(proxy.url()).withClientName(id))) {
                        Worker worker = new Worker(
                                pool,
                                WorkerConfig.builder()
                                        .id(id)
                                        .queues(Q)
                                        .concurrency(4)
                                        .shutdownGrace(Duration.ofMillis(200))
                                        .build(),
                                new Handlers().add(new InlineHandler("quick", ctx -> {
                                    Thread.sleep(50);
                                    return null;
                                })));
                        worker.start();
                        Await.pause(ThreadLocalRandom.current().nextLong(300, 2_500));
                        worker.stop();
                        List<String> owned = activeJobsOf(redis, id);
                        if (!owned.isEmpty()) caught++;
                        assertThat(owned)
                                .as("jobs ACTIVE in the name of %s after its stop()", id)
                                .isEmpty();
                    }
                }
                System.out.printf("ShutdownClaimTest: %d stops, %d left a job behind%n", ROUNDS, caught);
            } finally {
                producing.set(false);
                producer.join(5_000);
            }
        }
    }

    private static List<String> activeJobsOf(Redis redis, String worker) {
        List<String> owned = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            Keys keys = Keys.of(p == 0 ? Q : Q + "~" + p);
            for (String job : TestRedis.raw(redis, j -> j.zrange(keys.active(), 0, -1))) {
                List<String> fields = TestRedis.raw(redis, j -> j.hmget(keys.job(job), "state", "worker"));
                if ("ACTIVE".equals(fields.get(0)) && worker.equals(fields.get(1))) owned.add(job);
            }
        }
        return owned;
    }
}
