package io.jobfleet.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.job.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job record survives JSON, and loads from hashes written by older or newer versions. */
class JobRecordTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Every field set, the way Redis holds it (built from a hash so new record fields need no change here). */
    private static JobRecord full() {
        Map<String, String> hash = new HashMap<>();
        hash.put("type", "send.email");
        hash.put("payload", "{\"to\":\"a@example.com\",\"n\":3,\"tags\":[\"x\",\"ü €\"],\"nested\":{\"z\":null}}");
        hash.put("state", "DEAD");
        hash.put("attempts", "5");
        hash.put("maxAttempts", "5");
        hash.put("token", "7");
        hash.put("worker", "worker-1");
        hash.put("createdAt", "1700000000000");
        hash.put("enqueuedAt", "1700000000001");
        hash.put("runAt", "1700000000002");
        hash.put("startedAt", "1700000000003");
        hash.put("finishedAt", "1700000000004");
        hash.put("timeoutMs", "30000");
        hash.put("backoff", "1000,5.0,3600000");
        hash.put("expiries", "2");
        hash.put(
                "errors",
                Json.write(List.of(
                        new AttemptError(1, "java.io.IOException", "refused", "stack\n\tat x", "worker-1", 11),
                        new AttemptError(2, "jobfleet.LeaseExpired", "lease expired", null, "worker-2", 12))));
        hash.put("errorsDropped", "3");
        hash.put("result", "{\"sent\":true}");
        hash.put("progress", "{\"done\":40,\"of\":100}");
        hash.put("idemKey", "key-1");
        hash.put("requestId", "req-1");
        hash.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        hash.put("deadReason", "attempts exhausted");
        hash.put("cancelledFrom", "ACTIVE");
        return JobRecord.fromHash("mail", "01hx0000000000000001", hash);
    }

    @Test
    void recordSurvivesJson() {
        JobRecord record = full();
        assertThat(record.errors()).hasSize(2);
        assertThat(record.deadReason()).isEqualTo("attempts exhausted");
        String json = Json.write(record);
        assertThat(Json.read(json, JobRecord.class)).isEqualTo(record);
        assertThat(Json.MAPPER.convertValue(Json.read(json), JobRecord.class)).isEqualTo(record);
    }

    @Test
    void recordWithEmptyAndNullJsonValuesSurvivesJson() {
        JobRecord record = JobRecord.fromHash(
                "q",
                "id1",
                Map.of("type", "t", "payload", "{}", "state", "QUEUED", "result", "[]", "progress", "null"));
        String json = Json.write(record);
        assertThat(Json.read(json, JobRecord.class)).isEqualTo(record);
        assertThat(Json.read(json).get("payload")).isEqualTo(NODES.objectNode());
        JobRecord nullPayload = JobRecord.fromHash("q", "id2", Map.of("payload", "null", "state", "QUEUED"));
        assertThat(Json.read(Json.write(nullPayload), JobRecord.class)).isEqualTo(nullPayload);
    }

    @Test
    void recordLoadsFromHashWithJsonFieldsParsed() {
        Map<String, String> hash = new HashMap<>();
        hash.put("type", "send.email");
        hash.put("payload", "{\"to\":\"a@example.com\",\"n\":3}");
        hash.put("state", "SCHEDULED");
        hash.put("attempts", "2");
        hash.put("maxAttempts", "4");
        hash.put("token", "9");
        hash.put("runAt", "1700000000123");
        hash.put("errors", "[{\"attempt\":1,\"errorClass\":\"java.io.IOException\",\"message\":\"refused\",\"at\":5}]");
        hash.put("errorsDropped", "1");
        hash.put("result", "[1,2]");
        hash.put("progress", "{\"done\":1}");

        JobRecord record = JobRecord.fromHash("mail", "id-1", hash);

        assertThat(record.id()).isEqualTo("id-1");
        assertThat(record.queue()).isEqualTo("mail");
        assertThat(record.state()).isEqualTo(JobState.SCHEDULED);
        assertThat(record.attempts()).isEqualTo(2);
        assertThat(record.maxAttempts()).isEqualTo(4);
        assertThat(record.token()).isEqualTo(9);
        assertThat(record.runAt()).isEqualTo(1_700_000_000_123L);
        assertThat(record.payload().get("to").asText()).isEqualTo("a@example.com");
        assertThat(record.payload().get("n").asInt()).isEqualTo(3);
        assertThat(record.errors())
                .containsExactly(new AttemptError(1, "java.io.IOException", "refused", null, null, 5));
        assertThat(record.errorsDropped()).isEqualTo(1);
        assertThat(record.result().isArray()).isTrue();
        assertThat(record.result().get(1).asInt()).isEqualTo(2);
        assertThat(record.progress().get("done").asInt()).isEqualTo(1);
    }

    @Test
    void unknownFieldsAreIgnored() {
        Map<String, String> hash = Map.of(
                "type", "t",
                "payload", "{}",
                "state", "QUEUED",
                "closedToken", "3",
                "fieldFromAFutureVersion", "whatever",
                "errors", "[{\"attempt\":1,\"errorClass\":\"E\",\"newThing\":{\"deep\":[1]},\"at\":1}]");

        JobRecord record = JobRecord.fromHash("q", "id", hash);

        assertThat(record.type()).isEqualTo("t");
        assertThat(record.state()).isEqualTo(JobState.QUEUED);
        assertThat(record.errors()).containsExactly(new AttemptError(1, "E", null, null, null, 1));
    }

    @Test
    void missingFieldsTakeTheirDefaults() {
        JobRecord record = JobRecord.fromHash("q", "id", Map.of("state", "QUEUED"));

        assertThat(record.id()).isEqualTo("id");
        assertThat(record.queue()).isEqualTo("q");
        assertThat(record.type()).isNull();
        assertThat(record.attempts()).isZero();
        assertThat(record.maxAttempts()).isNull();
        assertThat(record.token()).isZero();
        assertThat(record.createdAt()).isZero();
        assertThat(record.errors()).isEmpty();
        assertThat(record.errorsDropped()).isZero();
        assertThat(record.result()).isNull();
        assertThat(record.deadReason()).isNull();
        assertThat(record.retryPolicy(RetryPolicy.DEFAULT)).isEqualTo(RetryPolicy.DEFAULT);
    }

    @Test
    void idAndQueueComeFromTheKeyNotTheHash() {
        JobRecord record = JobRecord.fromHash("q", "real-id", Map.of("id", "other", "queue", "other"));
        assertThat(record.id()).isEqualTo("real-id");
        assertThat(record.queue()).isEqualTo("q");
    }

    @Test
    void unreadableRecordNamesTheJob() {
        assertThatThrownBy(() -> JobRecord.fromHash("q", "id-9", Map.of("attempts", "many")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id-9")
                .hasMessageContaining("'q'");
    }

    @Test
    void jobOverridesQueueRetryPolicy() {
        RetryPolicy own = new RetryPolicy(10, 2.0, 80, 3);
        JobRecord record = JobRecord.fromHash(
                "q", "id", Map.of("backoff", own.backoffField(), "maxAttempts", "7", "state", "ACTIVE"));
        assertThat(record.retryPolicy(RetryPolicy.DEFAULT)).isEqualTo(new RetryPolicy(10, 2.0, 80, 7));
    }
}
