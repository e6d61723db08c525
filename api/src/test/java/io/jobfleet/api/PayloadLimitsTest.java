package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import org.junit.jupiter.api.Test;

/** Over HTTP a payload is held to the limits a Java enqueue uses: 64 levels, counted from the payload itself. */
class PayloadLimitsTest extends ApiTestBase {
    private static final String Q = "limits";

    @Test
    void aPayloadAtTheDepthLimitIsAcceptedAloneAndInABatch() {
        String id = enqueueId(Q, job(Json.MAX_DEPTH));
        String stored = TestRedis.raw(redis, j -> j.hget(Keys.of(Q).job(id), "payload"));
        assertThat(stored).isEqualTo(nested(Json.MAX_DEPTH));

        Http.Response batch = http.post(jobsPath(Q) + "/batch", SUBMIT, "{\"jobs\":[" + job(Json.MAX_DEPTH) + "]}");
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
    }

    @Test
    void aPayloadPastTheDepthLimitIsRefusedNamingTheFieldAndTheLimit() {
        for (int depth : new int[] {Json.MAX_DEPTH + 1, Json.MAX_DEPTH + 3, 500}) {
            assertRefused(enqueue(Q, job(depth)), "payload");
            assertRefused(
                    http.post(jobsPath(Q) + "/batch", SUBMIT, "{\"jobs\":[" + job(1) + "," + job(depth) + "]}"),
                    "payload");
        }
        assertThat(dbSize()).isZero();
    }

    private static void assertRefused(Http.Response r, String field) {
        JsonNode error = assertError(r, 400, "bad_request");
        assertThat(error.path("message").asText())
                .as("message of %s", r)
                .contains(field)
                .contains("limit is " + Json.MAX_DEPTH);
    }

    private static String job(int depth) {
        return "{\"type\":\"t\",\"payload\":" + nested(depth) + "}";
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }
}
