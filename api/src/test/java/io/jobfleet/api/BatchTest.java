package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.TestRedis;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batch enqueue: one request of many jobs is one script call in Redis, each job gets its own
 * result, and idempotency keys (in the body) work per item.
 */
class BatchTest extends ApiTestBase {
    private static final String Q = "batch";

    @Test
    void fiveHundredJobsAreOneEvalshaWithAResultAndAJobEach() {
        String body = batch(IntStream.range(0, 500).mapToObj(i -> item(i, null)).toList());
        TestRedis.resetStats(redis);

        Http.Response r = http.post(jobsPath(Q) + "/batch", SUBMIT, body, "X-Request-Id", "batch-500");

        long evalsha = TestRedis.commandCalls(redis, "evalsha");
        long eval = TestRedis.commandCalls(redis, "eval");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(evalsha).as("EVALSHA calls for one batch").isEqualTo(1);
        assertThat(eval).as("EVAL calls").isZero();
        JsonNode results = r.json().path("results");
        assertThat(r.json().path("created").asInt()).isEqualTo(500);
        assertThat(r.json().path("queue").asText()).isEqualTo(Q);
        assertThat(results.size()).isEqualTo(500);
        Set<String> ids = new HashSet<>();
        for (JsonNode result : results) {
            assertThat(result.path("status").asInt()).isEqualTo(201);
            ids.add(result.path("id").asText());
        }
        assertThat(ids).hasSize(500);
        assertThat(jobKeys(Q)).hasSize(500);
        assertThat(pendingDepth(Q)).isEqualTo(500);

        // results are in request order: item i's job carries payload n = i and the request id
        for (int i : new int[] {0, 250, 499}) {
            JsonNode job = job(Q, results.get(i).path("id").asText());
            assertThat(job.path("payload").path("n").asInt()).isEqualTo(i);
            assertThat(job.path("requestId").asText()).isEqualTo("batch-500");
            assertThat(job.path("submittedBy").asText()).isEqualTo("sub");
        }
    }

    @Test
    void idempotencyKeysWorkPerItem() {
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) first.add(item(i, "k-" + i));
        List<String> firstIds = ids(post(batch(first)), 201, 201, 201, 201, 201);

        // the same batch again: every item a replay of its job
        Http.Response again = post(batch(first));
        assertThat(again.json().path("created").asInt()).isZero();
        assertThat(ids(again, 200, 200, 200, 200, 200)).isEqualTo(firstIds);

        // a mix: a replay, a conflict (same key, other payload), a new keyed job, an unkeyed job
        long before = dbSize();
        Http.Response mixed = post(batch(List.of(item(0, "k-0"), item(99, "k-1"), item(5, "k-5"), item(6, null))));
        List<String> mixedIds = ids(mixed, 200, 409, 201, 201);
        assertThat(mixedIds.get(0)).isEqualTo(firstIds.get(0));
        assertThat(mixedIds.get(1)).as("a conflict names the original job").isEqualTo(firstIds.get(1));
        JsonNode conflict = mixed.json().path("results").get(1).path("error");
        assertThat(conflict.path("code").asText()).isEqualTo("idempotency_conflict");
        assertThat(mixed.json().path("created").asInt()).isEqualTo(2);
        assertThat(jobKeys(Q)).hasSize(7);
        assertThat(dbSize())
                .as("two new job hashes and one new idempotency key")
                .isEqualTo(before + 3);
        assertThat(job(Q, firstIds.get(1)).path("payload").path("n").asInt())
                .as("the conflicting item did not overwrite")
                .isEqualTo(1);
    }

    @Test
    void theSameKeyTwiceInOneBatchIsOneJob() {
        Http.Response r = post(batch(List.of(item(1, "dup"), item(1, "dup"), item(2, "dup"))));
        List<String> ids = ids(r, 201, 200, 409);
        assertThat(ids).containsOnly(ids.get(0));
        assertThat(jobKeys(Q)).hasSize(1);
    }

    private Http.Response post(String body) {
        Http.Response r = http.post(jobsPath(Q) + "/batch", SUBMIT, body);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r;
    }

    /** The ids of a batch answer, asserting each item's status in order. */
    private static List<String> ids(Http.Response r, int... statuses) {
        JsonNode results = r.json().path("results");
        assertThat(results.size()).isEqualTo(statuses.length);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < statuses.length; i++) {
            assertThat(results.get(i).path("status").asInt())
                    .as("status of item %d in %s", i, r)
                    .isEqualTo(statuses[i]);
            ids.add(results.get(i).path("id").asText());
        }
        return ids;
    }

    @Test
    void aBatchOverPartitionsAnswersARefusedPartitionsJobs503AndTheOthers201() {
        String q = "split";
        declarePartitions(q, 2);
        String broken = io.jobfleet.common.internal.redis.Keys.of(q + "~1").pending();
        TestRedis.raw(redis, j -> j.set(broken, "not a list")); // q~1 refuses every write: WRONGTYPE

        Http.Response r = http.post(
                jobsPath(q) + "/batch",
                SUBMIT,
                batch(IntStream.range(0, 4).mapToObj(i -> item(i, null)).toList()));

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().path("created").asInt()).isEqualTo(2);
        assertThat(r.json().path("notEnqueued").asInt()).isEqualTo(2);
        List<Integer> statuses = new ArrayList<>();
        for (JsonNode result : r.json().path("results")) {
            statuses.add(result.path("status").asInt());
            if (result.path("status").asInt() == 201) {
                assertThat(http.get(jobPath(q, result.path("id").asText()), SUBMIT)
                                .status())
                        .isEqualTo(200);
            } else {
                assertThat(result.has("id")).isFalse();
                assertThat(result.path("error").path("code").asText()).isEqualTo("redis_error");
            }
        }
        assertThat(statuses).containsExactlyInAnyOrder(201, 201, 503, 503);
    }

    private static String item(int n, String key) {
        return "{\"type\":\"batch.job\",\"payload\":{\"n\":" + n + "}"
                + (key == null ? "" : ",\"idempotencyKey\":\"" + key + "\"") + "}";
    }

    private static String batch(List<String> items) {
        return items.stream().collect(Collectors.joining(",", "{\"jobs\":[", "]}"));
    }
}
