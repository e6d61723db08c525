package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The accepted side of enqueue: what a valid request creates, field by field, in Redis and in GET. */
class EnqueueTest extends ApiTestBase {
    private static final String Q = "enq";

    @Test
    void createsAQueuedJobWithLocation() {
        Http.Response r =
                enqueue(Q, "{\"type\":\"mail.send\",\"payload\":{\"to\":\"ünïcode@example.com\",\"n\":[1,2]}}");

        assertThat(r.status()).isEqualTo(201);
        String id = r.json().path("id").asText();
        assertThat(r.json().path("replayed").asBoolean()).isFalse();
        assertThat(r.json().path("queue").asText()).isEqualTo(Q);
        assertThat(r.header("Location")).isEqualTo(jobPath(Q, id));

        JsonNode job = http.get(r.header("Location"), SUBMIT).json();
        assertThat(job.path("id").asText()).isEqualTo(id);
        assertThat(job.path("state").asText()).isEqualTo("QUEUED");
        assertThat(job.path("type").asText()).isEqualTo("mail.send");
        assertThat(job.path("payload").path("to").asText()).isEqualTo("ünïcode@example.com");
        assertThat(job.path("payload").path("n").get(1).asInt()).isEqualTo(2);
        assertThat(job.path("createdAt").asLong()).isPositive();
        assertThat(job.path("submittedBy").asText()).isEqualTo("sub");
        assertThat(pendingDepth(Q)).isEqualTo(1);
    }

    @Test
    void storesEveryOptionalField() {
        String id = enqueueId(
                Q,
                "{\"type\":\"t\",\"payload\":null,\"priority\":\"normal\",\"maxAttempts\":3,\"timeoutSeconds\":30}",
                "Idempotency-Key",
                "opt-1");

        JsonNode job = job(Q, id);
        assertThat(job.path("maxAttempts").asInt()).isEqualTo(3);
        assertThat(job.path("timeoutMs").asLong()).isEqualTo(30_000);
        assertThat(job.path("idemKey").asText()).isEqualTo("opt-1");
    }

    @Test
    void highPriorityGoesToTheClaimEnd() {
        String normal = enqueueId(Q, "{\"type\":\"t\"}");
        String high = enqueueId(Q, "{\"type\":\"t\",\"priority\":\"high\"}");
        String later = enqueueId(Q, "{\"type\":\"t\"}");

        List<String> pending = TestRedis.raw(redis, j -> j.lrange(Keys.of(Q).pending(), 0, -1));
        assertThat(pending).as("claimed from the right").containsExactly(later, normal, high);
    }

    @Test
    void aDelayOrAFutureRunAtSchedulesTheJob() {
        long before = Instant.now().toEpochMilli();
        String delayed = enqueueId(Q, "{\"type\":\"t\",\"delaySeconds\":60}");
        Instant at = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        String timed = enqueueId(Q, "{\"type\":\"t\",\"runAt\":\"" + at + "\"}");
        String past = enqueueId(Q, "{\"type\":\"t\",\"runAt\":\"2020-01-01T00:00:00Z\"}");

        JsonNode d = job(Q, delayed);
        assertThat(d.path("state").asText()).isEqualTo("SCHEDULED");
        assertThat(d.path("runAt").asLong()).isCloseTo(before + 60_000, within(5_000L));
        JsonNode t = job(Q, timed);
        assertThat(t.path("state").asText()).isEqualTo("SCHEDULED");
        assertThat(t.path("runAt").asLong()).isEqualTo(at.toEpochMilli());
        assertThat(job(Q, past).path("state").asText())
                .as("a run-at in the past is due now")
                .isEqualTo("QUEUED");
        assertThat(pendingDepth(Q)).isEqualTo(1);
        long scheduled = TestRedis.raw(redis, j -> j.zcard(Keys.of(Q).scheduled()));
        assertThat(scheduled).isEqualTo(2);
    }

    @Test
    void aBodyJustUnderTheLimitIsAccepted() {
        String head = "{\"type\":\"t\",\"payload\":{\"blob\":\"";
        String tail = "\"}}";
        int fill = (int) ApiConfig.DEFAULT_MAX_BODY_BYTES - head.length() - tail.length();
        Http.Response r = enqueue(Q, head + "x".repeat(fill) + tail);

        assertThat(r.status()).as("a body of exactly 1 MiB").isEqualTo(201);
        assertThat(job(Q, r.json().path("id").asText())
                        .path("payload")
                        .path("blob")
                        .asText())
                .hasSize(fill);
    }
}
