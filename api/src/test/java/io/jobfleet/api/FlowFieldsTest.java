package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The flow-control fields of an enqueue (priority 0-9, group, limitKey, expiry, unique): what a
 * valid one stores and shows, what a unique conflict answers, and that a bad one is a 400 naming
 * its field with Redis left exactly as it was.
 */
class FlowFieldsTest extends ApiTestBase {
    private static final String Q = "flow";

    /** A refused request: the body, and the field its message must name. */
    record Bad(String name, String body, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeEach
    void seed() {
        enqueueId(Q, "{\"type\":\"t\"}");
    }

    static Stream<Bad> badInputs() {
        String later = Instant.now().plus(2, ChronoUnit.HOURS).toString();
        return Stream.of(
                new Bad("priority 10", "{\"type\":\"t\",\"priority\":10}", "'priority'"),
                new Bad("priority -1", "{\"type\":\"t\",\"priority\":-1}", "'priority'"),
                new Bad("priority 1.5", "{\"type\":\"t\",\"priority\":1.5}", "'priority'"),
                new Bad("priority as a string number", "{\"type\":\"t\",\"priority\":\"3\"}", "'priority'"),
                new Bad("priority true", "{\"type\":\"t\",\"priority\":true}", "'priority'"),
                new Bad("group with a space", "{\"type\":\"t\",\"group\":\"a b\"}", "'group'"),
                new Bad("group of 129 characters", "{\"type\":\"t\",\"group\":\"" + "g".repeat(129) + "\"}", "'group'"),
                new Bad("group and a priority", "{\"type\":\"t\",\"group\":\"g\",\"priority\":2}", "group"),
                new Bad("empty limitKey", "{\"type\":\"t\",\"limitKey\":\"\"}", "'limitKey'"),
                new Bad("limitKey a number", "{\"type\":\"t\",\"limitKey\":5}", "'limitKey'"),
                new Bad("expiresAt not an instant", "{\"type\":\"t\",\"expiresAt\":\"soon\"}", "'expiresAt'"),
                new Bad(
                        "expiresAt in the past",
                        "{\"type\":\"t\",\"expiresAt\":\"2020-01-01T00:00:00Z\"}",
                        "'expiresAt'"),
                new Bad(
                        "expiresAt before runAt",
                        "{\"type\":\"t\",\"runAt\":\"" + later + "\",\"expiresAt\":\""
                                + Instant.now().plus(1, ChronoUnit.HOURS) + "\"}",
                        "'expiresAt'"),
                new Bad("expiresInSeconds 0", "{\"type\":\"t\",\"expiresInSeconds\":0}", "'expiresInSeconds'"),
                new Bad(
                        "expiresInSeconds within the delay",
                        "{\"type\":\"t\",\"delaySeconds\":60,\"expiresInSeconds\":30}",
                        "'expiresInSeconds'"),
                new Bad(
                        "expiresAt and expiresInSeconds",
                        "{\"type\":\"t\",\"expiresAt\":\"" + later + "\",\"expiresInSeconds\":60}",
                        "expiresInSeconds"),
                new Bad(
                        "unique without key or fields",
                        "{\"type\":\"t\",\"unique\":{\"mode\":\"queued\"}}",
                        "'unique'"),
                new Bad("unique empty key", "{\"type\":\"t\",\"unique\":{\"key\":\"\"}}", "'unique.key'"),
                new Bad(
                        "unique key of 256 characters",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"" + "k".repeat(256) + "\"}}",
                        "'unique.key'"),
                new Bad(
                        "unique fields with an empty name",
                        "{\"type\":\"t\",\"unique\":{\"fields\":[\"\"]}}",
                        "'unique.fields[0]'"),
                new Bad(
                        "unique fields not strings",
                        "{\"type\":\"t\",\"unique\":{\"fields\":[{}]}}",
                        "'unique.fields[0]'"),
                new Bad(
                        "unique bad mode",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"mode\":\"often\"}}",
                        "'unique.mode'"),
                new Bad(
                        "unique bad onConflict",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"onConflict\":\"merge\"}}",
                        "'unique.onConflict'"),
                new Bad(
                        "unique period mode without a period",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"mode\":\"period\"}}",
                        "'unique.periodSeconds'"),
                new Bad(
                        "unique period with mode queued",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"mode\":\"queued\",\"periodSeconds\":5}}",
                        "'unique.periodSeconds'"),
                new Bad(
                        "unique period of 31 days",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"mode\":\"debounce\",\"periodSeconds\":2678400}}",
                        "'unique.periodSeconds'"),
                new Bad(
                        "unique unknown field",
                        "{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"scope\":\"x\"}}",
                        "'scope' in unique; known fields: key, fields"),
                new Bad("unique not an object", "{\"type\":\"t\",\"unique\":\"k\"}", "'unique'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void aBadFieldIsA400NamingItAndWritesNothing(Bad bad) {
        Map<String, String> before = snapshot();

        JsonNode error = assertError(http.post(jobsPath(Q), SUBMIT, bad.body()), 400, "bad_request");

        assertThat(error.path("message").asText()).as(bad.name()).contains(bad.field());
        assertThat(snapshot()).as("every key and value after %s", bad).isEqualTo(before);
    }

    @Test
    void aBadFieldInABatchNamesTheItemAndWritesNothing() {
        Map<String, String> before = snapshot();

        JsonNode error = assertError(
                http.post(
                        jobsPath(Q) + "/batch",
                        SUBMIT,
                        "{\"jobs\":[{\"type\":\"t\"},{\"type\":\"t\",\"unique\":{\"key\":\"k\",\"mode\":\"x\"}}]}"),
                400,
                "bad_request");

        assertThat(error.path("message").asText()).contains("jobs[1]").contains("'unique.mode'");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void theJobViewShowsPriorityGroupLimitKeyAndExpiry() {
        long before = Instant.now().toEpochMilli();
        String id = enqueueId(Q, "{\"type\":\"t\",\"priority\":7,\"limitKey\":\"acct-9\",\"expiresInSeconds\":600}");
        Instant at = Instant.now().plus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        String other =
                enqueueId(Q, "{\"type\":\"t\",\"priority\":0,\"group\":\"tenant-1\",\"expiresAt\":\"" + at + "\"}");
        String high = enqueueId(Q, "{\"type\":\"t\",\"priority\":\"high\"}");

        JsonNode job = job(Q, id);
        assertThat(job.path("priority").asInt()).isEqualTo(7);
        assertThat(job.has("group")).as("no group, not shown").isFalse();
        assertThat(job.path("limitKey").asText()).isEqualTo("acct-9");
        assertThat(job.path("expiresAt").asLong()).isCloseTo(before + 600_000, within(5_000L));
        JsonNode grouped = job(Q, other);
        assertThat(grouped.has("priority")).as("priority 0 is not shown").isFalse();
        assertThat(grouped.path("group").asText()).isEqualTo("tenant-1");
        assertThat(grouped.path("expiresAt").asLong()).isEqualTo(at.toEpochMilli());
        assertThat(job(Q, high).path("state").asText()).isEqualTo("QUEUED");
    }

    @Test
    void anAdminChangesAWaitingJobsPriorityAndABadOneIsA400() {
        String id = enqueueId(Q, "{\"type\":\"t\"}");
        Http.Response changed = http.post(jobPath(Q, id) + "/priority", ADMIN, "{\"priority\":4}");
        assertThat(changed.status()).as("%s", changed).isEqualTo(200);
        assertThat(changed.json().path("state").asText()).isEqualTo("QUEUED");
        assertThat(job(Q, id).path("priority").asInt()).isEqualTo(4);
        JsonNode error =
                assertError(http.post(jobPath(Q, id) + "/priority", ADMIN, "{\"priority\":10}"), 400, "bad_request");
        assertThat(error.path("message").asText()).contains("priority");
        assertThat(job(Q, id).path("priority").asInt()).isEqualTo(4);
    }

    @Test
    void aUniqueJobAnswersTheHolderOnADuplicate() {
        String body = "{\"type\":\"t\",\"payload\":{\"user\":1},\"unique\":{\"key\":\"u-1\",\"mode\":\"queued\"}}";
        String first = enqueueId(Q, body);

        Http.Response again = enqueue(Q, body);

        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(again.json().path("id").asText()).isEqualTo(first);
        assertThat(again.json().path("unique").asText()).isEqualTo("duplicate");
        assertThat(again.header("Location")).isEqualTo(jobPath(Q, first));
    }

    @Test
    void uniqueByPayloadFieldsIgnoresTheOtherFields() {
        String first =
                enqueueId(Q, "{\"type\":\"t\",\"payload\":{\"user\":2,\"n\":1},\"unique\":{\"fields\":[\"user\"]}}");

        Http.Response again =
                enqueue(Q, "{\"type\":\"t\",\"payload\":{\"user\":2,\"n\":2},\"unique\":{\"fields\":[\"user\"]}}");
        String otherUser =
                enqueueId(Q, "{\"type\":\"t\",\"payload\":{\"user\":3,\"n\":1},\"unique\":{\"fields\":[\"user\"]}}");

        assertThat(again.json().path("id").asText()).isEqualTo(first);
        assertThat(again.json().path("unique").asText()).isEqualTo("duplicate");
        assertThat(otherUser).isNotEqualTo(first);
    }

    @Test
    void replaceSwapsTheWaitingHoldersPayload() {
        String first = enqueueId(
                Q,
                "{\"type\":\"t\",\"payload\":{\"v\":1},\"unique\":{\"key\":\"r-1\",\"mode\":\"queued\",\"onConflict\":\"replace\"}}");

        Http.Response again = enqueue(
                Q,
                "{\"type\":\"t\",\"payload\":{\"v\":2},\"unique\":{\"key\":\"r-1\",\"mode\":\"queued\",\"onConflict\":\"replace\"}}");

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("id").asText()).isEqualTo(first);
        assertThat(again.json().path("unique").asText()).isEqualTo("replaced");
        assertThat(job(Q, first).path("payload").path("v").asInt()).isEqualTo(2);
    }

    @Test
    void refuseIsA409NamingTheHolderAndWritesNoJob() {
        String body = "{\"type\":\"t\",\"unique\":{\"key\":\"x-1\",\"onConflict\":\"refuse\"}}";
        String first = enqueueId(Q, body);
        long jobs = jobKeys(Q).size();

        JsonNode error = assertErrorWithJob(enqueue(Q, body));

        assertThat(error.path("jobId").asText()).isEqualTo(first);
        assertThat(error.path("message").asText()).contains("x-1").contains(first);
        assertThat(jobKeys(Q)).hasSize((int) jobs);
    }

    @Test
    void aBatchAnswersEachUniqueConflictOnItsLine() {
        String held = enqueueId(Q, "{\"type\":\"t\",\"unique\":{\"key\":\"b-1\"}}");
        enqueueId(Q, "{\"type\":\"t\",\"unique\":{\"key\":\"b-2\"}}");

        JsonNode answer = http.post(
                        jobsPath(Q) + "/batch",
                        SUBMIT,
                        "{\"jobs\":[{\"type\":\"t\",\"unique\":{\"key\":\"b-1\"}},"
                                + "{\"type\":\"t\",\"unique\":{\"key\":\"b-2\",\"onConflict\":\"refuse\"}},"
                                + "{\"type\":\"t\",\"priority\":3}]}")
                .json();

        JsonNode results = answer.path("results");
        assertThat(results.get(0).path("status").asInt()).isEqualTo(200);
        assertThat(results.get(0).path("id").asText()).isEqualTo(held);
        assertThat(results.get(0).path("unique").asText()).isEqualTo("duplicate");
        assertThat(results.get(1).path("status").asInt()).isEqualTo(409);
        assertThat(results.get(1).path("error").path("code").asText()).isEqualTo("unique_refused");
        assertThat(results.get(2).path("status").asInt()).isEqualTo(201);
        assertThat(answer.path("created").asInt()).isEqualTo(1);
    }

    /** The 409 of a refused unique job: the one error shape, plus the holder as {@code jobId}. */
    private static JsonNode assertErrorWithJob(Http.Response r) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(409);
        JsonNode error = r.json().path("error");
        assertThat(error.path("code").asText()).isEqualTo("unique_refused");
        assertThat(error.path("requestId").asText()).isEqualTo(r.header("X-Request-Id"));
        return error;
    }
}
