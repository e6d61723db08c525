package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.job.JobId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Request ids and W3C trace context: a valid client X-Request-Id is echoed and stored on the job,
 * an invalid one is replaced by a new id, and only a valid traceparent is stored.
 */
class TracingTest extends ApiTestBase {
    private static final String Q = "trace";
    private static final String JOB = "{\"type\":\"t\"}";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aClientRequestIdIsReturnedAndStoredOnTheJob() {
        Http.Response r = enqueue(Q, JOB, "X-Request-Id", "order-service:42.a_b-c");

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("X-Request-Id")).isEqualTo("order-service:42.a_b-c");
        JsonNode job = job(Q, r.json().path("id").asText());
        assertThat(job.path("requestId").asText()).isEqualTo("order-service:42.a_b-c");
    }

    @Test
    void aValidTraceparentIsStoredOnTheJob() {
        Http.Response r = enqueue(Q, JOB, "traceparent", TRACEPARENT);

        JsonNode job = job(Q, r.json().path("id").asText());
        assertThat(job.path("traceparent").asText()).isEqualTo(TRACEPARENT);
        assertThat(job.path("requestId").asText()).isEqualTo(r.header("X-Request-Id"));
    }

    @Test
    void anInvalidTraceparentIsNotStored() {
        for (String bad : List.of("00-xyz-00f067aa0ba902b7-01", "garbage", "00-" + "a".repeat(500))) {
            Http.Response r = enqueue(Q, JOB, "traceparent", bad);
            assertThat(r.status())
                    .as("a bad traceparent does not refuse the job")
                    .isEqualTo(201);
            JsonNode job = job(Q, r.json().path("id").asText());
            assertThat(job.has("traceparent"))
                    .as("traceparent '%s' stored", bad)
                    .isFalse();
        }
    }

    @Test
    void anInvalidRequestIdIsReplacedByAGeneratedOne() {
        for (String bad : List.of("has space", "x".repeat(129), "semi;colon", "{brace}")) {
            Http.Response r = enqueue(Q, JOB, "X-Request-Id", bad);
            String given = r.header("X-Request-Id");
            assertThat(given).as("request id for '%s'", bad).isNotEqualTo(bad).matches("[0-9a-z]{20}");
            assertThat(job(Q, r.json().path("id").asText()).path("requestId").asText())
                    .isEqualTo(given);
        }
    }

    @Test
    void everyAnswerCarriesARequestIdErrorsIncluded() {
        Http.Response ok = http.get("/health/live", null);
        Http.Response error = enqueue(Q, "{}", "X-Request-Id", "mine-1");
        Http.Response refused = http.get("/v1/queues", null);

        assertThat(ok.header("X-Request-Id")).matches("[0-9a-z]{20}");
        assertThat(JobId.isValid(ok.header("X-Request-Id"))).isTrue();
        assertThat(assertError(error, 400, "bad_request").path("requestId").asText())
                .isEqualTo("mine-1");
        assertError(refused, 401, "unauthorized");
        assertThat(ok.header("X-Request-Id")).isNotEqualTo(refused.header("X-Request-Id"));
    }

    @Test
    void aBatchStoresTheRequestIdAndTraceparentOnEveryJob() {
        Http.Response r = http.post(
                jobsPath(Q) + "/batch",
                SUBMIT,
                "{\"jobs\":[" + JOB + "," + JOB + "]}",
                "X-Request-Id",
                "batch-7",
                "traceparent",
                TRACEPARENT);
        for (JsonNode result : r.json().path("results")) {
            JsonNode job = job(Q, result.path("id").asText());
            assertThat(job.path("requestId").asText()).isEqualTo("batch-7");
            assertThat(job.path("traceparent").asText()).isEqualTo(TRACEPARENT);
        }
    }
}
