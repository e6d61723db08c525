package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bearer tokens with roles: every /v1 endpoint refuses a missing token and a wrong one (401 with
 * {@code WWW-Authenticate: Bearer}) and a token without its role (403), before it touches Redis;
 * a submit token sees only its own jobs; health and metrics are open.
 */
class AuthTest extends ApiTestBase {
    private static final String JOB = "{\"type\":\"t\",\"payload\":{}}";

    /** A new queue per test: the API registers a queue name once per process, and Redis is flushed per test. */
    private String q;

    private String own;
    private int tests;

    /** One endpoint and the tokens that must get 403 there (the others may use it). */
    record Endpoint(String method, String path, String body, Set<String> forbidden) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @BeforeEach
    void seed() {
        q = "auth" + tests++;
        own = enqueueId(q, JOB);
    }

    List<Endpoint> endpoints() {
        String job = jobPath("{q}", "{id}");
        return List.of(
                new Endpoint("POST", jobsPath("{q}"), JOB, Set.of(READ)),
                new Endpoint("POST", jobsPath("{q}") + "/batch", "{\"jobs\":[" + JOB + "]}", Set.of(READ)),
                new Endpoint("GET", job, null, Set.of()),
                new Endpoint("POST", job + "/cancel", null, Set.of(READ)),
                new Endpoint("POST", job + "/priority", "{\"priority\":3}", Set.of(SUBMIT, READ)),
                new Endpoint("GET", job + "/events", null, Set.of()),
                new Endpoint("GET", "/v1/queues", null, Set.of(SUBMIT)),
                new Endpoint("GET", "/v1/queues/{q}", null, Set.of(SUBMIT)),
                new Endpoint("POST", "/v1/queues/{q}/pause", null, Set.of(SUBMIT, READ)),
                new Endpoint("POST", "/v1/queues/{q}/resume", null, Set.of(SUBMIT, READ)),
                new Endpoint("PUT", "/v1/queues/{q}/partitions", "{\"count\":2}", Set.of(SUBMIT, READ)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void refusesMissingWrongAndUnderprivilegedTokens(Endpoint e) {
        Map<String, String> before = snapshot();

        for (String authorization : new String[] {null, "Bearer ", "Bearer nope", "Basic czE6czE=", "s1"}) {
            Http.Response r = call(e, authorization);
            assertError(r, 401, "unauthorized");
            assertThat(r.header("WWW-Authenticate"))
                    .as("%s with %s", e, authorization)
                    .isEqualTo("Bearer");
        }
        for (String token : e.forbidden()) {
            Http.Response r = call(e, "Bearer " + token);
            assertError(r, 403, "forbidden");
        }
        assertThat(snapshot()).as("Redis after the refused calls to %s", e).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void acceptsEveryTokenWithTheRole(Endpoint e) {
        for (String token : List.of(SUBMIT, READ, ADMIN)) {
            if (e.forbidden().contains(token)) continue;
            if (e.path().endsWith("/events")) {
                var stream = http.stream(resolve(e), token, "Accept", "text/event-stream");
                assertThat(stream.statusCode()).as("%s with %s", e, token).isEqualTo(200);
                stream.body().close();
                continue;
            }
            Http.Response r = call(e, "Bearer " + token);
            assertThat(r.status()).as("%s with %s: %s", e, token, r).isBetween(200, 201);
        }
    }

    @Test
    void aSubmitTokenReadsAndCancelsItsOwnJobButNotAnothers() {
        String theirs =
                http.post(jobsPath(q), OTHER_SUBMIT, JOB).json().path("id").asText();

        Http.Response mine = http.get(jobPath(q, own), SUBMIT);
        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.json().path("submittedBy").asText()).isEqualTo("sub");

        assertError(http.get(jobPath(q, theirs), SUBMIT), 404, "job_not_found");
        assertError(
                http.get(jobPath(q, theirs) + "/events", SUBMIT, "Accept", "text/event-stream"), 404, "job_not_found");
        assertError(http.post(jobPath(q, theirs) + "/cancel", SUBMIT, null), 404, "job_not_found");
        assertThat(job(q, theirs).path("state").asText())
                .as("the other client's job")
                .isEqualTo("QUEUED");

        Http.Response cancelled = http.post(jobPath(q, own) + "/cancel", SUBMIT, null);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().path("previousState").asText()).isEqualTo("QUEUED");
        assertThat(job(q, own).path("state").asText()).isEqualTo("CANCELLED");

        assertThat(http.get(jobPath(q, theirs), READ).status())
                .as("read sees every job")
                .isEqualTo(200);
        assertThat(http.post(jobPath(q, theirs) + "/cancel", ADMIN, null).status())
                .as("admin cancels any job")
                .isEqualTo(200);
    }

    @Test
    void healthAndMetricsNeedNoToken() {
        for (String path : List.of("/health/live", "/health/ready", "/metrics")) {
            Http.Response r = http.get(path, null);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.optionalHeader("WWW-Authenticate")).as(path).isEmpty();
        }
    }

    @Test
    void devModeRunsOpen() {
        try (Redis pool = Redis.connect(RedisSettings.fromUrl(TestRedis.url(server)));
                ApiServer open = new ApiServer(pool, ApiConfig.openForDev().withAddress("127.0.0.1", 0)).start()) {
            Http anonymous = new Http(open.port());
            Http.Response created = anonymous.post(jobsPath(q), null, JOB);
            assertThat(created.status()).isEqualTo(201);
            String id = created.json().path("id").asText();
            assertThat(anonymous.get(jobPath(q, id), null).status()).isEqualTo(200);
            assertThat(anonymous.post("/v1/queues/" + q + "/pause", null, null).status())
                    .isEqualTo(200);
        }
    }

    private String resolve(Endpoint e) {
        return e.path().replace("{q}", q).replace("{id}", own);
    }

    private Http.Response call(Endpoint e, String authorization) {
        String path = resolve(e);
        String[] headers = e.path().endsWith("/events")
                ? new String[] {"Accept", "text/event-stream"}
                : new String[] {"Content-Type", "application/json"};
        if (authorization != null)
            headers = Stream.concat(Stream.of(headers), Stream.of("Authorization", authorization))
                    .toArray(String[]::new);
        return http.send(
                e.method(),
                path,
                null,
                e.body() == null ? BodyPublishers.noBody() : BodyPublishers.ofString(e.body()),
                headers);
    }
}
