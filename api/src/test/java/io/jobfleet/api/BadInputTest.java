package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refused request gets its documented status and the one error body, and leaves Redis
 * exactly as it was: the full key set and every value (DUMP) are compared before and after.
 */
class BadInputTest extends ApiTestBase {
    private static final String Q = "q1";
    /** A queue whose pending depth may not pass 3 (backpressure). */
    private static final String TINY = "tiny";

    private static final String VALID = "{\"type\":\"t\",\"payload\":{\"n\":1}}";
    private static final int OVER_1_MIB = 1024 * 1024 + 10;

    private String seeded;

    /** One way to be refused: what is sent, and the status and error code that must come back. */
    record Case(String name, int status, String code, Supplier<Http.Response> request) {
        @Override
        public String toString() {
            return name;
        }
    }

    @Override
    protected ApiConfig config() {
        return super.config()
                .withLimits(
                        ApiConfig.DEFAULT_MAX_BODY_BYTES,
                        ApiConfig.DEFAULT_MAX_BATCH,
                        ApiConfig.DEFAULT_MAX_PENDING,
                        Map.of(TINY, 3L));
    }

    @BeforeEach
    void seed() {
        seeded = enqueueId(Q, VALID, "Idempotency-Key", "seed");
        enqueueId(Q, "{\"type\":\"t\",\"delaySeconds\":600}");
        for (int i = 0; i < 3; i++) enqueueId(TINY, VALID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedAndRedisIsUnchanged(Case c) {
        Map<String, String> before = snapshot();
        long sizeBefore = dbSize();

        Http.Response r = c.request().get();

        assertError(r, c.status(), c.code());
        assertThat(dbSize()).as("DBSIZE after %s", c).isEqualTo(sizeBefore);
        assertThat(snapshot()).as("every key and value after %s", c).isEqualTo(before);
        if (c.status() == 429)
            assertThat(r.header("Retry-After")).as("Retry-After").matches("[1-9][0-9]*");
    }

    Stream<Case> cases() {
        return Stream.of(
                single("malformed JSON", "{\"type\":"),
                single("empty body", ""),
                single("JSON null", "null"),
                single("an array instead of an object", "[1,2]"),
                single("trailing garbage after the object", VALID + " x"),
                single("missing type", "{\"payload\":{}}"),
                single("unknown field", "{\"type\":\"t\",\"colour\":\"red\"}"),
                single("type is a number", "{\"type\":5}"),
                single("type is an array", "{\"type\":[\"t\"]}"),
                single("maxAttempts is a string", "{\"type\":\"t\",\"maxAttempts\":\"3\"}"),
                single("delaySeconds is a fraction", "{\"type\":\"t\",\"delaySeconds\":1.5}"),
                single("delaySeconds is a boolean", "{\"type\":\"t\",\"delaySeconds\":true}"),
                single("priority is an object", "{\"type\":\"t\",\"priority\":{}}"),
                single("negative delaySeconds", "{\"type\":\"t\",\"delaySeconds\":-1}"),
                single(
                        "delaySeconds and runAt",
                        "{\"type\":\"t\",\"delaySeconds\":5,\"runAt\":\"2030-01-01T00:00:00Z\"}"),
                single("runAt too far ahead", "{\"type\":\"t\",\"runAt\":\"2200-01-01T00:00:00Z\"}"),
                single("delaySeconds too far ahead", "{\"type\":\"t\",\"delaySeconds\":40000000}"),
                single("runAt not an instant", "{\"type\":\"t\",\"runAt\":\"tomorrow\"}"),
                single("runAt without a zone", "{\"type\":\"t\",\"runAt\":\"2030-01-01T00:00:00\"}"),
                single("bad priority", "{\"type\":\"t\",\"priority\":\"urgent\"}"),
                single("maxAttempts 0", "{\"type\":\"t\",\"maxAttempts\":0}"),
                single("maxAttempts 1001", "{\"type\":\"t\",\"maxAttempts\":1001}"),
                single("timeoutSeconds 0", "{\"type\":\"t\",\"timeoutSeconds\":0}"),
                single("job type with a space", "{\"type\":\"has space\"}"),
                single("job type starting with a dash", "{\"type\":\"-t\"}"),
                single("job type of 129 characters", "{\"type\":\"" + "t".repeat(129) + "\"}"),
                single("JSON nested deeper than 64", nested(70)),
                new Case(
                        "idempotency key of 256 characters",
                        400,
                        "bad_request",
                        () -> http.post(jobsPath(Q), SUBMIT, VALID, "Idempotency-Key", "k".repeat(256))),
                new Case(
                        "queue name with capitals",
                        400,
                        "bad_request",
                        () -> http.post(jobsPath("Bad_Queue"), SUBMIT, VALID)),
                new Case(
                        "queue name of 65 characters",
                        400,
                        "bad_request",
                        () -> http.post(jobsPath("q".repeat(65)), SUBMIT, VALID)),
                new Case(
                        "queue name with a brace (a Redis hash tag)",
                        400,
                        "bad_request",
                        () -> http.post(jobsPath("a%7Bb%7D"), SUBMIT, VALID)),
                new Case(
                        "body over 1 MiB (Content-Length)",
                        413,
                        "payload_too_large",
                        () -> http.send(
                                "POST",
                                jobsPath(Q),
                                SUBMIT,
                                BodyPublishers.ofString(bigJob()),
                                "Content-Type",
                                "application/json",
                                // a 413 answered before the body is read closes the connection: a client
                                // still writing the body may see the close instead of the answer
                                "Expect",
                                "100-continue")),
                new Case(
                        "body over 1 MiB (chunked, no Content-Length)",
                        413,
                        "payload_too_large",
                        () -> http.send(
                                "POST",
                                jobsPath(Q),
                                SUBMIT,
                                BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(bigJob().getBytes(StandardCharsets.UTF_8))),
                                "Content-Type",
                                "application/json")),
                batch("batch over maxBatch", 413, "batch_too_large", batchOf(ApiConfig.DEFAULT_MAX_BATCH + 1)),
                batch(
                        "batch with one invalid item",
                        400,
                        "bad_request",
                        "{\"jobs\":[" + VALID + "," + VALID + ",{\"type\":\"t\",\"maxAttempts\":0}," + VALID + "]}"),
                batch(
                        "batch with one item of the wrong type",
                        400,
                        "bad_request",
                        "{\"jobs\":[" + VALID + ",{\"type\":\"t\",\"delaySeconds\":\"x\"}]}"),
                batch("batch with a null item", 400, "bad_request", "{\"jobs\":[" + VALID + ",null]}"),
                batch("empty batch", 400, "bad_request", "{\"jobs\":[]}"),
                batch("batch without jobs", 400, "bad_request", "{}"),
                new Case(
                        "batch with an Idempotency-Key header",
                        400,
                        "bad_request",
                        () -> http.post(jobsPath(Q) + "/batch", SUBMIT, batchOf(2), "Idempotency-Key", "header-key")),
                new Case(
                        "job id path param invalid (GET)",
                        400,
                        "bad_request",
                        () -> http.get(jobPath(Q, "j".repeat(65)), ADMIN)),
                new Case(
                        "job id path param invalid (cancel)",
                        400,
                        "bad_request",
                        () -> http.post(jobPath(Q, "bad%21id") + "/cancel", ADMIN, null)),
                new Case(
                        "job id path param invalid (events)",
                        400,
                        "bad_request",
                        () -> http.get(jobPath(Q, "bad%20id") + "/events", ADMIN, "Accept", "text/event-stream")),
                new Case(
                        "job that does not exist",
                        404,
                        "job_not_found",
                        () -> http.get(jobPath(Q, "nosuchjob"), ADMIN)),
                new Case(
                        "cancel of a job that does not exist",
                        404,
                        "job_not_found",
                        () -> http.post(jobPath(Q, "nosuchjob") + "/cancel", ADMIN, null)),
                new Case("unknown endpoint", 404, "not_found", () -> http.get("/v1/nothing", ADMIN)),
                new Case("unknown API version", 404, "not_found", () -> http.get("/v2/queues", ADMIN)),
                new Case(
                        "wrong method: DELETE on jobs",
                        405,
                        "method_not_allowed",
                        () -> http.send("DELETE", jobsPath(Q), ADMIN, BodyPublishers.noBody())),
                new Case(
                        "wrong method: PUT on queues",
                        405,
                        "method_not_allowed",
                        () -> http.send("PUT", "/v1/queues", ADMIN, BodyPublishers.ofString("{}"))),
                new Case(
                        "wrong method: GET on pause",
                        405,
                        "method_not_allowed",
                        () -> http.get("/v1/queues/" + Q + "/pause", ADMIN)),
                new Case(
                        "events with Accept: application/json",
                        406,
                        "not_acceptable",
                        () -> http.get(jobPath(Q, seeded) + "/events", ADMIN, "Accept", "application/json")),
                new Case(
                        "events without an Accept header",
                        406,
                        "not_acceptable",
                        () -> http.get(jobPath(Q, seeded) + "/events", ADMIN)),
                new Case(
                        "idempotency key reused with another payload",
                        409,
                        "idempotency_conflict",
                        () -> http.post(
                                jobsPath(Q),
                                SUBMIT,
                                "{\"type\":\"t\",\"payload\":{\"n\":2}}",
                                "Idempotency-Key",
                                "seed")),
                new Case("backpressure: queue at its max depth", 429, "queue_full", () -> enqueue(TINY, VALID)),
                new Case(
                        "backpressure: a batch to a full queue",
                        429,
                        "queue_full",
                        () -> http.post(jobsPath(TINY) + "/batch", SUBMIT, batchOf(2))));
    }

    private Case single(String name, String body) {
        return new Case(name, 400, "bad_request", () -> http.post(jobsPath(Q), SUBMIT, body));
    }

    private Case batch(String name, int status, String code, String body) {
        return new Case(name, status, code, () -> http.post(jobsPath(Q) + "/batch", SUBMIT, body));
    }

    private static String nested(int depth) {
        return "{\"type\":\"t\",\"payload\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
    }

    private static String bigJob() {
        return "{\"type\":\"t\",\"payload\":{\"blob\":\"" + "x".repeat(OVER_1_MIB) + "\"}}";
    }

    private static String batchOf(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> "{\"type\":\"t\",\"payload\":{\"n\":" + i + "}}")
                .collect(Collectors.joining(",", "{\"jobs\":[", "]}"));
    }
}
