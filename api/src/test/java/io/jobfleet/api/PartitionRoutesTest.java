package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Partitioned queues over HTTP: declaring a count (admin, audited, shrink refused with 409),
 * enqueue spreading over partitions, a queue's depths as one and by partition, and a job of a
 * partition found, shown under its queue's name and cancelled by that name.
 */
class PartitionRoutesTest extends ApiTestBase {
    private static final String JOB = "{\"type\":\"noop\"}";
    private String q;
    private int tests;

    @BeforeEach
    void name() {
        q = "parts" + tests++; // new per test: the API caches the layout for a second, and Redis is flushed
    }

    private Http.Response partition(String queue, String token, String body) {
        return http.send(
                "PUT",
                "/v1/queues/" + queue + "/partitions",
                token,
                HttpRequest.BodyPublishers.ofString(body),
                "Content-Type",
                "application/json");
    }

    @Test
    void adminDeclaresPartitionsAndEnqueueSpreadsOverThem() {
        assertError(partition(q, READ, "{\"count\":4}"), 403, "forbidden");
        assertError(partition(q, ADMIN, "{\"count\":65}"), 400, "bad_request");
        assertError(partition(q, ADMIN, "{\"n\":2}"), 400, "bad_request");
        Http.Response ok = partition(q, ADMIN, "{\"count\":4}");
        assertThat(ok.status()).as("%s", ok).isEqualTo(200);
        assertThat(ok.json().path("partitions").asInt()).isEqualTo(4);
        assertThat(ok.json().path("previous").asInt()).isEqualTo(1);

        for (int i = 0; i < 8; i++) enqueueId(q, JOB);
        for (int k = 0; k < 4; k++) {
            String physical = k == 0 ? q : q + "~" + k;
            assertThat((long) TestRedis.raw(redis, j -> j.llen(Keys.of(physical).pending())))
                    .as("pending of partition %d", k)
                    .isEqualTo(2L);
        }
        JsonNode show = http.get("/v1/queues/" + q + "?byPartition=true", READ).json();
        assertThat(show.path("pending").asLong()).isEqualTo(8);
        assertThat(show.path("partitions").asInt()).isEqualTo(4);
        assertThat(show.path("byPartition").size()).isEqualTo(4);
        for (JsonNode p : show.path("byPartition"))
            assertThat(p.path("pending").asLong()).isEqualTo(2);
        assertThat(http.get("/v1/queues/" + q, READ).json().has("byPartition")).isFalse();
        JsonNode listed = http.get("/v1/queues", READ).json().path("queues");
        assertThat(listed.size())
                .as("the queue list names the queue once: %s", listed)
                .isEqualTo(1);
        assertThat(listed.get(0).path("pending").asLong()).isEqualTo(8);

        AuditLog.Entry entry = new AuditLog(redis).latest(1).get(0);
        assertThat(entry.action()).isEqualTo("partition");
        assertThat(entry.queue()).isEqualTo(q);
        assertThat(entry.detail()).containsEntry("from", 1).containsEntry("to", 4);
    }

    @Test
    void jobsOfEveryPartitionAreShownAndCancelledByTheQueueName() {
        assertThat(partition(q, ADMIN, "{\"count\":3}").status()).isEqualTo(200);
        Map<String, Integer> partitionOf = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            String id = enqueueId(q, JOB);
            JsonNode job = job(q, id);
            assertThat(job.path("queue").asText()).isEqualTo(q);
            assertThat(job.path("state").asText()).isEqualTo("QUEUED");
            partitionOf.put(id, job.path("partition").asInt(0));
        }
        assertThat(new HashSet<>(partitionOf.values())).containsExactlyInAnyOrder(0, 1, 2);
        String inLast = partitionOf.entrySet().stream()
                .filter(e -> e.getValue() == 2)
                .findFirst()
                .orElseThrow()
                .getKey();
        Http.Response cancel = http.post(jobPath(q, inLast) + "/cancel", ADMIN, "");
        assertThat(cancel.status()).as("%s", cancel).isEqualTo(200);
        assertThat(job(q, inLast).path("state").asText()).isEqualTo("CANCELLED");
        assertThat(http.get("/v1/queues/" + q, READ).json().path("pending").asLong())
                .isEqualTo(5);
    }

    @Test
    void aKeyedJobReplaysFromItsPartitionAndShrinkingOverJobsIsRefused() {
        assertThat(partition(q, ADMIN, "{\"count\":4}").status()).isEqualTo(200);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            String first = enqueueId(q, JOB, "Idempotency-Key", "k" + i);
            Http.Response again = enqueue(q, JOB, "Idempotency-Key", "k" + i);
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().path("id").asText()).isEqualTo(first);
            ids.add(first);
        }
        assertThat(ids).hasSize(12);
        JsonNode error = assertError(partition(q, ADMIN, "{\"count\":1}"), 409, "partitions_refused");
        assertThat(error.path("message").asText()).contains("still hold jobs");
        assertThat(http.get("/v1/queues/" + q, READ).json().path("partitions").asInt())
                .isEqualTo(4);
    }
}
