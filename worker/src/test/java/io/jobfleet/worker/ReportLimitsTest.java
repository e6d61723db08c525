package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A job whose record, result or progress is past the limits fails alone, with a reason that
 * names the limit; the jobs claimed or acked beside it are not touched.
 */
class ReportLimitsTest extends WorkerTestBase {
    private static final String Q = "limits";
    private static final int OVER_DEFAULT_LIMIT = 1024 * 1024 + 1000;

    @Test
    void anUnreadableJobInAClaimBatchDiesAloneAndTheOthersSucceedFirstTime() {
        List<String> ids = enqueueMany(Q, "ok", payload(), 4);
        String bad = ids.get(1);
        TestRedis.raw(redis, j -> j.hset(Keys.of(Q).job(bad), "payload", "[".repeat(70) + "]".repeat(70)));
        List<String> good = new ArrayList<>(ids);
        good.remove(bad);

        startWorker(
                config("w", Q)
                        .lease(Duration.ofSeconds(1))
                        .renewEvery(Duration.ofMillis(300))
                        .build(),
                new Handlers().add(new InlineHandler("ok", ctx -> "done")));

        Await.until(Duration.ofSeconds(20), "the three readable jobs to succeed", () -> good.stream()
                .allMatch(id -> job(Q, id).state() == JobState.SUCCEEDED));
        for (String id : good) {
            JobRecord record = job(Q, id);
            assertThat(record.expiries()).as("lease expiries of %s", id).isZero();
            assertThat(record.attempts()).isEqualTo(1);
        }
        Map<String, String> dead = TestRedis.hash(redis, Keys.of(Q).job(bad));
        assertThat(dead).containsEntry("state", "DEAD");
        assertThat(dead.get("deadReason")).startsWith("unreadable record: field 'payload'");
        assertThat(counts(Q).dead()).isEqualTo(1);
    }

    @Test
    void aResultPastTheLimitsKillsItsJobAloneAndTheOthersAreAcked() {
        startWorker(
                config("w", Q).build(),
                new Handlers()
                        .add(new InlineHandler("big", ctx -> Map.of("blob", "x".repeat(OVER_DEFAULT_LIMIT))))
                        .add(new InlineHandler("deep", ctx -> nested(70)))
                        .add(new InlineHandler("small", ctx -> Map.of("n", 1))));
        String big = enqueue(NewJob.of(Q, "big", payload()));
        String deep = enqueue(NewJob.of(Q, "deep", payload()));
        List<String> small = enqueueMany(Q, "small", payload(), 6);

        Await.until(Duration.ofSeconds(20), "every job to finish", () -> settled(Q));
        JobRecord bigRecord = job(Q, big);
        assertThat(bigRecord.state()).isEqualTo(JobState.DEAD);
        assertThat(bigRecord.attempts()).as("not retried").isEqualTo(1);
        assertThat(bigRecord.deadReason())
                .contains("handler result cannot be recorded: result is")
                .contains("bytes of JSON (the limit is " + WorkerConfig.DEFAULT_MAX_RESULT_BYTES + ")");
        assertThat(bigRecord.result()).isNull();
        JobRecord deepRecord = job(Q, deep); // readable: the result was never written
        assertThat(deepRecord.state()).isEqualTo(JobState.DEAD);
        assertThat(deepRecord.deadReason()).contains("result is nested more than 64 levels deep");
        for (String id : small) {
            assertThat(job(Q, id).state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(job(Q, id).result().path("n").asInt()).isEqualTo(1);
        }
    }

    @Test
    void progressPastTheLimitsIsRefusedToTheHandlerNamingTheLimit() {
        startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("progress", ctx -> {
                    List<String> refused = new ArrayList<>();
                    for (Object progress : List.of(Map.of("blob", "x".repeat(OVER_DEFAULT_LIMIT)), nested(70))) {
                        try {
                            ctx.progress(progress);
                        } catch (IllegalArgumentException e) {
                            refused.add(e.getMessage());
                        }
                    }
                    ctx.progress(Map.of("percent", 100));
                    return refused;
                })));
        String id = enqueue(NewJob.of(Q, "progress", payload()));

        Await.until(Duration.ofSeconds(20), "the job to finish", () -> settled(Q));
        JobRecord record = job(Q, id);
        assertThat(record.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(record.result()).hasSize(2);
        assertThat(record.result().get(0).asText())
                .startsWith("progress is")
                .endsWith("bytes of JSON (the limit is " + WorkerConfig.DEFAULT_MAX_RESULT_BYTES + ")");
        assertThat(record.result().get(1).asText())
                .isEqualTo("progress is nested more than 64 levels deep (the limit is 64)");
        assertThat(record.progress().path("percent").asInt()).isEqualTo(100);
    }

    @Test
    void progressWhileRedisIsDownIsDroppedWithoutCostingAnAttempt() throws Exception {
        CountDownLatch firstReported = new CountDownLatch(1);
        CountDownLatch redisDown = new CountDownLatch(1);
        CountDownLatch secondReported = new CountDownLatch(1);
        CountDownLatch redisBack = new CountDownLatch(1);
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("progress", ctx -> {
                    ctx.progress(Map.of("percent", 10));
                    firstReported.countDown();
                    redisDown.await(20, TimeUnit.SECONDS);
                    try {
                        ctx.progress(Map.of("percent", 50));
                    } catch (RuntimeException e) {
                        seen.add(e);
                    }
                    secondReported.countDown();
                    redisBack.await(20, TimeUnit.SECONDS);
                    return "ok";
                })));
        String id = enqueue(NewJob.of(Q, "progress", payload()));
        assertThat(firstReported.await(20, TimeUnit.SECONDS)).isTrue();

        server.kill();
        try {
            redisDown.countDown();
            assertThat(secondReported.await(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            server.restart();
            redisBack.countDown();
        }

        Await.until(Duration.ofSeconds(30), "the job to succeed", () -> {
            try {
                return job(Q, id).state() == JobState.SUCCEEDED;
            } catch (RuntimeException redisStillStarting) {
                return false;
            }
        });
        assertThat(seen).as("exceptions the handler saw from progress").isEmpty();
        JobRecord record = job(Q, id);
        assertThat(record.attempts()).isEqualTo(1);
        assertThat(record.errors()).isEmpty();
        assertThat(record.progress().path("percent").asInt())
                .as("the dropped report")
                .isEqualTo(10);
    }

    /** {@code depth} arrays, one inside the other. */
    private static JsonNode nested(int depth) {
        JsonNode node = JsonNodeFactory.instance.arrayNode();
        for (int i = 1; i < depth; i++)
            node = JsonNodeFactory.instance.arrayNode().add(node);
        return node;
    }
}
