package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis is killed (SIGKILL) while 6 clients enqueue: every request must still be answered
 * within 3 s, refused ones with 503 + Retry-After, and once the same Redis is back (same port,
 * AOF replayed) the same API process serves again on its own: the breaker half-opens after
 * {@link ApiConfig#breakerOpenFor()}. Every job acknowledged with 201 must still be there.
 */
@Tag("slow")
@Tag("single-server") // its own server: options, kill/restart; not run against Cluster or Sentinel
class RedisOutageTest extends ApiTestBase {
    private static final Logger log = LoggerFactory.getLogger(RedisOutageTest.class);
    private static final String Q = "outage";
    private static final int CLIENTS = 6;
    private static final long FAST_MS = 3_000;

    /** One request as a client saw it. */
    record Outcome(long startedAt, long millis, int status, JsonNode body, String retryAfter, String requestId) {
        String code() {
            return body.path("error").path("code").asText(null);
        }
    }

    @Test
    void killingRedisMidLoadGivesFast503sAndTheApiRecoversWithoutARestart() throws Exception {
        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        Queue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            var unused = load.submit(() -> enqueueUntil(stop, client, outcomes, clientErrors));
        }

        await("jobs are created while Redis is up", outcomes, o -> o.status() == 201, 0);
        sleep(500);
        long killedAt = System.nanoTime();
        server.kill();
        await("a 503 after the kill", outcomes, o -> o.status() == 503, killedAt);
        await("the circuit breaker opens", outcomes, o -> o.status() == 503 && isBreakerOpen(o), killedAt);
        Http.Response downReady = http.get("/health/ready", null);
        sleep(1_500);

        long restartedAt = System.nanoTime();
        server.restart();
        await("jobs are created again after the restart", outcomes, o -> o.status() == 201, restartedAt);
        long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);
        sleep(500);
        stop.set(true);
        load.shutdown();
        assertThat(load.awaitTermination(15, TimeUnit.SECONDS))
                .as("every client thread finished: no request hung")
                .isTrue();

        assertThat(clientErrors).as("transport errors").isEmpty();
        List<Outcome> all = new ArrayList<>(outcomes);
        log.info(
                "{} requests: {} created, {} refused with 503; slowest answer {} ms; recovered {} ms after the restart",
                all.size(),
                all.stream().filter(o -> o.status() == 201).count(),
                all.stream().filter(o -> o.status() == 503).count(),
                all.stream().mapToLong(Outcome::millis).max().orElse(0),
                recoveredMs);
        assertThat(all)
                .allSatisfy(
                        o -> assertThat(o.millis()).as("answer time of %s", o).isLessThan(FAST_MS));
        assertThat(all).extracting(Outcome::status).containsOnly(201, 503);
        List<Outcome> refused = all.stream().filter(o -> o.status() == 503).toList();
        assertThat(refused).isNotEmpty().allSatisfy(o -> {
            assertThat(o.retryAfter()).as("Retry-After of %s", o).matches("[1-9][0-9]*");
            assertThat(o.code()).isEqualTo("redis_unavailable");
            assertThat(o.body().path("error").path("requestId").asText()).isEqualTo(o.requestId());
        });
        assertThat(refused).allSatisfy(o -> assertThat(o.startedAt()).isGreaterThan(killedAt - 3_000_000_000L));
        assertThat(recoveredMs)
                .as("recovery after restart without restarting the API")
                .isLessThan(ApiConfig.DEFAULT_BREAKER_OPEN_FOR.toMillis() * 3);

        assertThat(downReady.status())
                .as("readiness while Redis is down: %s", downReady)
                .isEqualTo(503);
        assertThat(downReady.json().path("status").asText()).isEqualTo("not ready");
        assertThat(downReady.json().path("redis").asText()).isNotEqualTo("ok");
        JsonNode ready = awaitReady();
        assertThat(ready.path("pool").path("active").asInt())
                .as("pool connections still held once the load stopped")
                .isLessThanOrEqualTo(1);

        List<String> created = all.stream()
                .filter(o -> o.status() == 201)
                .map(o -> o.body().path("id").asText())
                .toList();
        try (Redis fresh = TestRedis.connect(server)) {
            Set<String> jobKeys = TestRedis.raw(fresh, j -> j.keys(Keys.of(Q).prefix() + "job:*"));
            assertThat(jobKeys)
                    .as("every job acknowledged with 201 survived the SIGKILL (AOF)")
                    .containsAll(created.stream().map(id -> Keys.of(Q).job(id)).toList());
        }
    }

    private void enqueueUntil(AtomicBoolean stop, int client, Queue<Outcome> outcomes, Queue<Throwable> errors) {
        Http mine = new Http(api.port());
        for (int n = 0; !stop.get(); n++) {
            long started = System.nanoTime();
            try {
                Http.Response r = mine.post(
                        jobsPath(Q),
                        SUBMIT,
                        "{\"type\":\"t\",\"payload\":{\"n\":" + n + "}}",
                        "Idempotency-Key",
                        "c" + client + "-" + n);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                outcomes.add(new Outcome(
                        started, millis, r.status(), r.json(), r.header("Retry-After"), r.header("X-Request-Id")));
            } catch (RuntimeException e) {
                errors.add(e);
            }
            sleep(5); // a steady load, not a busy loop against a breaker that answers in microseconds
        }
    }

    private static boolean isBreakerOpen(Outcome o) {
        return o.body().path("error").path("message").asText().contains("circuit breaker open");
    }

    /** Waits up to 30 s for an outcome of a request started after {@code after} (nanoTime) that matches. */
    private static void await(String what, Queue<Outcome> outcomes, Predicate<Outcome> wanted, long after) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (Outcome o : outcomes) if (o.startedAt() > after && wanted.test(o)) return;
            sleep(20);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    private JsonNode awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Http.Response r;
        do {
            r = http.get("/health/ready", null);
            if (r.status() == 200) return r.json();
            sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("never ready again: " + r);
    }
}
