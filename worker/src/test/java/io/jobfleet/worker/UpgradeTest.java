package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.SchemaVersion;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.demo.EchoHandler;
import io.jobfleet.worker.demo.FailHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Redis state left by the previous release (879d294, key layout 1, no layout marker; see
 * common/src/test/resources/upgrade/README.md) is served and drained by this one with nothing
 * lost: each job ends as its old state implies, finished records stay as they were, idempotency
 * keys still answer, dead jobs can be redriven, and the layout marker reads 1 afterwards. When a
 * later change moves the layout, this test runs the same fixture with old and new workers side by side.
 */
class UpgradeTest extends WorkerTestBase {
    private static final String Q = "orders";
    private static final List<String> TO_SUCCEED = List.of(
            "queued-1",
            "queued-2",
            "queued-front",
            "delayed-1",
            "runat-1",
            "retry-1",
            "retry-2",
            "active-1",
            "active-2");
    private static final List<String> FINISHED = List.of("succeeded-1", "succeeded-2", "cancelled-1", "cancelled-2");
    private static final List<String> DEAD = List.of("dead-1", "dead-2");
    private static final List<String> HELD = List.of("held-1", "held-2");
    private static final List<String> PARTED = List.of("parted-1", "parted-2", "parted-3", "parted-4");

    @Test
    void stateWrittenBy879d294IsServedAndDrained() {
        List<String> loaded = KeyDump.load(redis, "/upgrade/879d294.jsonl");
        List<String> jobKeys = loaded.stream().filter(k -> k.contains("}:job:")).toList();
        assertThat(jobKeys).as("jobs in the fixture").hasSize(22);
        assertThat(marker()).as("879d294 wrote no layout marker").isNull();
        Map<String, Map<String, String>> finishedBefore = hashes(Q, FINISHED);
        Map<String, Map<String, String>> deadBefore = hashes(Q, DEAD);

        startWorker(config("new-1", "orders,held,parted").build(), demoHandlers());
        assertThat(marker())
                .as("the marker once this release's worker connected")
                .isEqualTo("1");

        await("every waiting, scheduled and orphaned job run", () -> settled(Q) && settled("parted"));
        for (String id : TO_SUCCEED) assertThat(job(Q, id).state()).as(id).isEqualTo(JobState.SUCCEEDED);
        for (String id : PARTED) assertThat(job("parted", id).state()).as(id).isEqualTo(JobState.SUCCEEDED);
        assertThat(job(Q, "retry-1").attempts())
                .as("retry-1 failed once under 879d294")
                .isEqualTo(2);
        assertThat(job(Q, "active-1").errors()).anyMatch(e -> e.errorClass().equals("jobfleet.LeaseExpired"));
        assertThat(TestRedis.hash(redis, Keys.of(Q).steps("active-1"))).containsKey("charge");
        assertThat(job(Q, "queued-doomed").state())
                .as("a non-retryable job dies")
                .isEqualTo(JobState.DEAD);
        assertThat(hashes(Q, FINISHED)).as("finished records untouched").isEqualTo(finishedBefore);
        assertThat(hashes(Q, DEAD)).as("dead records untouched").isEqualTo(deadBefore);
        for (String id : HELD)
            assertThat(job("held", id).state()).as(id + " of a paused queue").isEqualTo(JobState.QUEUED);

        idempotencyKeysStillAnswer();

        queues.resume("held");
        assertThat(queues.requeue(Q, DEAD, true)).as("dead jobs redriven").isEqualTo(2);
        await("the paused queue and the redriven jobs", () -> settled("held") && settled(Q));
        for (String id : HELD) assertThat(job("held", id).state()).as(id).isEqualTo(JobState.SUCCEEDED);
        for (String id : DEAD)
            assertThat(job(Q, id).state()).as(id + " redriven").isEqualTo(JobState.SUCCEEDED);

        Map<JobState, Integer> byState = new TreeMap<>();
        for (String key : jobKeys) {
            String queue = key.substring(key.indexOf('{') + 1, key.indexOf('}')).replaceAll("~\\d+$", "");
            JobRecord record = job(queue, key.substring(key.lastIndexOf(':') + 1));
            byState.merge(record.state(), 1, Integer::sum);
        }
        assertThat(byState)
                .as("nothing lost: every job of the fixture, by state")
                .isEqualTo(Map.of(JobState.SUCCEEDED, 19, JobState.DEAD, 1, JobState.CANCELLED, 2));
        assertThat(queues.stats(Q).get("succeeded"))
                .as("879d294's 2 successes and this release's 11")
                .isEqualTo("13");
        assertThat(SchemaVersion.check(redis)).isEqualTo(1);
        assertThat(marker()).isEqualTo("1");
    }

    @Test
    void aWorkerRefusesALayoutFromANewerReleaseAndTouchesNothing() {
        KeyDump.load(redis, "/upgrade/879d294.jsonl");
        TestRedis.raw(redis, j -> j.set(Keys.schema(), "2"));
        Map<String, Map<String, String>> before = hashes(Q, TO_SUCCEED);
        assertThatThrownBy(() -> startWorker(config("new-1", "orders").build(), demoHandlers()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("layout version 2");
        assertThat(hashes(Q, TO_SUCCEED)).isEqualTo(before);
        assertThat(marker()).isEqualTo("2");
    }

    private void idempotencyKeysStillAnswer() {
        Map<String, String> keyToJob = Map.of(
                "idem-queued", "queued-2",
                "idem-succeeded", "succeeded-1",
                "idem-delayed", "delayed-1",
                "idem-active", "active-2",
                "idem-dead", "dead-2");
        keyToJob.forEach((key, id) -> {
            JobRecord original = job(Q, id);
            EnqueueResult again = store.enqueue(
                    NewJob.of(Q, original.type(), original.payload()).withIdempotencyKey(key));
            assertThat(again.status()).as("resent with key " + key).isEqualTo(EnqueueResult.Status.REPLAYED);
            assertThat(again.id()).as("job named by " + key).isEqualTo(id);
        });
        assertThatThrownBy(() -> store.enqueue(NewJob.of(
                                Q, "echo", JsonNodeFactory.instance.objectNode().put("n", -1))
                        .withIdempotencyKey("idem-succeeded")))
                .isInstanceOf(IdempotencyConflictException.class);
    }

    private Map<String, Map<String, String>> hashes(String queue, List<String> ids) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (String id : ids) out.put(id, TestRedis.hash(redis, Keys.of(queue).job(id)));
        return out;
    }

    private String marker() {
        return TestRedis.raw(redis, j -> j.get(Keys.schema()));
    }

    private static Handlers demoHandlers() {
        return new Handlers().add(new EchoHandler()).add(new FailHandler());
    }

    private static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not done within 30 s: " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
