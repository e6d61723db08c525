package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.client.ApiException;
import io.jobfleet.client.JobEvent;
import io.jobfleet.client.JobfleetHttpClient;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link JobfleetHttpClient} against the real API and a real Redis: enqueue and its idempotency,
 * read, cancel, following a job's events while a real worker runs it, waiting for the outcome,
 * and the retries of a real 429 (a queue at its max depth) and a real 503 (Redis killed).
 */
class HttpClientTest extends ApiTestBase {
    private static final String Q = "http-client";
    private static final String TINY = "http-client-tiny";
    private static final Pattern REQUESTS = Pattern.compile("(?m)^jobfleet_api_requests_total\\{(.*)\\} (\\S+)$");

    private JobfleetHttpClient client;
    private SleepWorker worker;

    /** TINY holds one pending job; the breaker opens for 1 s, so a 503's Retry-After is 1. */
    @Override
    protected ApiConfig config() {
        ApiConfig c = super.config()
                .withLimits(
                        ApiConfig.DEFAULT_MAX_BODY_BYTES,
                        ApiConfig.DEFAULT_MAX_BATCH,
                        ApiConfig.DEFAULT_MAX_PENDING,
                        Map.of(TINY, 1L));
        return new ApiConfig(
                c.host(),
                c.port(),
                c.maxBodyBytes(),
                c.maxBatch(),
                c.maxPending(),
                c.maxPendingByQueue(),
                c.maxRunAhead(),
                c.tokens(),
                c.open(),
                Duration.ofSeconds(1),
                c.redaction());
    }

    @BeforeEach
    void connect() {
        client = new JobfleetHttpClient(baseUrl(), SUBMIT);
    }

    @AfterEach
    void close() {
        client.close();
        if (worker != null) worker.close();
        worker = null;
    }

    @Test
    void enqueueWithTheSameKeyGivesTheSameJob() {
        NewJob job = sleepJob(Q, 10).withIdempotencyKey("order-42").withHighPriority(true);

        EnqueueResult first = client.enqueue(job);
        EnqueueResult again = client.enqueue(job);

        assertThat(first.status()).isEqualTo(EnqueueResult.Status.CREATED);
        assertThat(again.status()).isEqualTo(EnqueueResult.Status.REPLAYED);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(jobKeys(Q)).hasSize(1);
        ApiException conflict =
                (ApiException) catchThrown(() -> client.enqueue(sleepJob(Q, 20).withIdempotencyKey("order-42")));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.code()).isEqualTo("idempotency_conflict");
        assertThat(conflict.requestId()).isNotBlank();

        String keyless = client.enqueue(sleepJob(Q, 10)).id();
        assertThat(client.get(Q, keyless).idemKey())
                .as("a job enqueued without a key gets one, so its retries cannot make two")
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void getReadsTheRecordAndAnUnknownJobIsNotFound() {
        String id = client.enqueue(sleepJob(Q, 10).withMaxAttempts(3).withDelay(Duration.ofMillis(1500)))
                .id();

        JobRecord record = client.get(Q, id);

        assertThat(record.id()).isEqualTo(id);
        assertThat(record.queue()).isEqualTo(Q);
        assertThat(record.type()).isEqualTo("sleep");
        assertThat(record.state()).isEqualTo(JobState.SCHEDULED);
        assertThat(record.maxAttempts()).isEqualTo(3);
        assertThat(record.runAt() - record.createdAt())
                .as("1.5 s is sent as 2 s")
                .isBetween(1_900L, 2_100L);
        assertThat(record.payload().path("ms").asInt()).isEqualTo(10);
        assertThatThrownBy(() -> client.get(Q, "nosuchjob")).isInstanceOf(JobNotFoundException.class);
        try (JobfleetHttpClient stranger = new JobfleetHttpClient(baseUrl(), "wrong-token")) {
            ApiException denied = (ApiException) catchThrown(() -> stranger.get(Q, id));
            assertThat(denied.status()).isEqualTo(401);
            assertThat(denied.code()).isEqualTo("unauthorized");
        }
    }

    @Test
    void cancelReturnsThePreviousState() {
        String id = client.enqueue(sleepJob(Q, 10)).id();

        assertThat(client.cancel(Q, id)).isEqualTo(JobState.QUEUED);
        assertThat(client.cancel(Q, id)).isEqualTo(JobState.CANCELLED);
        assertThat(client.get(Q, id).state()).isEqualTo(JobState.CANCELLED);
        assertThatThrownBy(() -> client.cancel(Q, "nosuchjob")).isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void eventsFollowTheJobToSuccess() throws Exception {
        String id = client.enqueue(sleepJob(Q, 600)).id();
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        startWorker();

        client.events(Q, id, events::add);

        assertThat(events).extracting(JobEvent::type).contains("state", "progress");
        assertThat(events.get(events.size() - 1).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(events).filteredOn(e -> e.state() == JobState.ACTIVE).hasSize(1);
        assertThat(events)
                .filteredOn(e -> e.type().equals("progress"))
                .extracting(e -> e.data().path("percent").asInt())
                .isSorted()
                .endsWith(100);
        assertThat(client.get(Q, id).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void awaitOutcomeReturnsTheFinishedRecordOrTimesOut() throws Exception {
        String id = client.enqueue(sleepJob(Q, 300)).id();
        String waiting = client.enqueue(sleepJob("http-client-idle", 10)).id();
        startWorker();

        JobRecord done = client.awaitOutcome(Q, id, Duration.ofSeconds(20));

        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.finishedAt()).isPositive();
        long started = System.nanoTime();
        assertThatThrownBy(() -> client.awaitOutcome("http-client-idle", waiting, Duration.ofMillis(700)))
                .isInstanceOf(TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aFullQueueIsRetriedAfterRetryAfterUntilThereIsRoom() throws Exception {
        String first = client.enqueue(sleepJob(TINY, 10)).id();
        long refusedBefore = answered(429);
        AtomicReference<EnqueueResult> second = new AtomicReference<>();
        long started = System.nanoTime();
        Thread producer = Thread.ofVirtual().start(() -> second.set(client.enqueue(sleepJob(TINY, 20))));

        sleep(1_300); // the first answer is 429 with Retry-After: 1, so the client waits a second
        assertThat(answered(429)).as("429s answered").isGreaterThan(refusedBefore);
        client.cancel(TINY, first); // room for one
        producer.join(10_000);

        assertThat(second.get().status()).isEqualTo(EnqueueResult.Status.CREATED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1_300));
        assertThat(pendingDepth(TINY)).as("one job, however many tries").isEqualTo(1);

        try (JobfleetHttpClient impatient = new JobfleetHttpClient(baseUrl(), SUBMIT, 2, Duration.ofSeconds(30))) {
            long t0 = System.nanoTime();
            ApiException full = (ApiException) catchThrown(() -> impatient.enqueue(sleepJob(TINY, 30)));
            assertThat(full.status()).isEqualTo(429);
            assertThat(full.code()).isEqualTo("queue_full");
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .as("two tries, one Retry-After apart")
                    .isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        }
    }

    @Test
    @Tag("single-server") // kills and restarts its own server
    void redisDownIsRetriedAfterRetryAfterUntilItIsBack() throws Exception {
        long unavailableBefore = answered(503);
        server.kill();
        AtomicReference<Object> outcome = new AtomicReference<>();
        // more tries than the default, so a slow restart on a busy machine still fits in
        JobfleetHttpClient patient = new JobfleetHttpClient(baseUrl(), SUBMIT, 20, Duration.ofSeconds(30));
        Thread producer = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(patient.enqueue(sleepJob(Q, 10).withIdempotencyKey("during-outage")));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });

        sleep(1_500);
        assertThat(answered(503)).as("503s answered while Redis is down").isGreaterThan(unavailableBefore);
        server.restart();
        producer.join(30_000);
        patient.close();
        awaitTestPoolReconnected();

        assertThat(outcome.get()).isInstanceOf(EnqueueResult.class);
        EnqueueResult created = (EnqueueResult) outcome.get();
        assertThat(client.get(Q, created.id()).idemKey()).isEqualTo("during-outage");
        assertThat(client.enqueue(sleepJob(Q, 10).withIdempotencyKey("during-outage"))
                        .id())
                .isEqualTo(created.id());
    }

    /** The test's own pool holds connections to the killed server: each fails once, then is replaced. */
    private void awaitTestPoolReconnected() {
        for (int i = 0; i < 50; i++) {
            try {
                redis.ping();
                return;
            } catch (RuntimeException stale) {
                sleep(100);
            }
        }
        redis.ping();
    }

    /** How many answers of this status the API has counted on the enqueue route, from /metrics. */
    private long answered(int status) {
        String metrics = http.get("/metrics", null).body();
        long total = 0;
        Matcher m = REQUESTS.matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains("status=\"" + status + "\"") && m.group(1).contains("/jobs\""))
                total += (long) Double.parseDouble(m.group(2));
        }
        return total;
    }

    private void startWorker() {
        worker = new SleepWorker(TestRedis.url(server), "http-client-worker", Q);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + api.port();
    }

    private static NewJob sleepJob(String queue, long ms) {
        return NewJob.of(queue, "sleep", JsonNodeFactory.instance.objectNode().put("ms", ms));
    }

    private static Throwable catchThrown(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            assertThat(e).isInstanceOf(ApiException.class);
            return e;
        }
        throw new AssertionError("expected an ApiException");
    }
}
