package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job whose record cannot be read dies alone at claim, with its reason; the jobs claimed beside
 * it are returned. And enqueue refuses what the claim could not read back.
 */
class UnreadableRecordTest extends RealRedisTest {

    @Test
    void aTooDeepPayloadDiesAloneAndTheRestOfItsBatchIsReturned() {
        List<String> ids = List.of(enqueue(0), enqueue(1), enqueue(2), enqueue(3));
        String bad = ids.get(2);
        // written behind the store's back: enqueue now refuses it (see below)
        redis.call(j -> j.hset(raw.keys().job(bad), "payload", "[".repeat(70) + "]".repeat(70)));

        List<ClaimedJob> claimed = leases.claim(P, 10, LONG_LEASE, "w1").jobs();

        assertThat(claimed).extracting(ClaimedJob::id).containsExactlyInAnyOrder(ids.get(0), ids.get(1), ids.get(3));
        assertThat(raw.active().keySet()).containsExactlyInAnyOrder(ids.get(0), ids.get(1), ids.get(3));
        assertThat(raw.state(bad)).isEqualTo(JobState.DEAD);
        assertThat(raw.placesOf(bad)).containsExactly(RawQueue.Place.DEAD);
        assertThat(raw.field(bad, "deadReason"))
                .startsWith("unreadable record: ")
                .contains("nesting depth");
        assertThat(raw.field(bad, "lastError")).startsWith("jobfleet.UnreadableRecord: field 'payload'");
        assertThat(raw.stat("dead")).isEqualTo(1);
    }

    @Test
    void aCorruptNumberFieldDiesAloneAndACorruptAttemptCountIsRewrittenByTheClaim() {
        List<String> ids = List.of(enqueue(0), enqueue(1), enqueue(2), enqueue(3));
        redis.call(j -> j.hset(raw.keys().job(ids.get(1)), "maxAttempts", "lots"));
        // claim.lua counts a non-numeric attempts field as 0 and writes 1: the job is readable
        redis.call(j -> j.hset(raw.keys().job(ids.get(3)), "attempts", "x"));

        List<ClaimedJob> claimed = leases.claim(P, 10, LONG_LEASE, "w1").jobs();

        assertThat(claimed).extracting(ClaimedJob::id).containsExactlyInAnyOrder(ids.get(0), ids.get(2), ids.get(3));
        assertThat(claimed)
                .filteredOn(j -> j.id().equals(ids.get(3)))
                .singleElement()
                .extracting(ClaimedJob::attempt)
                .isEqualTo(1);
        assertThat(raw.state(ids.get(1))).isEqualTo(JobState.DEAD);
        assertThat(raw.field(ids.get(1), "deadReason"))
                .startsWith("unreadable record: ")
                .contains("lots");
    }

    @Test
    void aJobWithoutATypeDiesAlone() {
        List<String> ids = List.of(enqueue(0), enqueue(1));
        redis.call(j -> j.hdel(raw.keys().job(ids.get(0)), "type"));

        List<ClaimedJob> claimed = leases.claim(P, 10, LONG_LEASE, "w1").jobs();

        assertThat(claimed).extracting(ClaimedJob::id).containsExactly(ids.get(1));
        assertThat(raw.state(ids.get(0))).isEqualTo(JobState.DEAD);
        assertThat(raw.field(ids.get(0), "deadReason")).isEqualTo("unreadable record: no type field");
    }

    @Test
    void enqueueRefusesAPayloadTheClaimCouldNotReadNamingTheLimit() {
        assertThatThrownBy(() -> store.enqueue(NewJob.of(Q, "test.job", nested(Json.MAX_DEPTH + 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload")
                .hasMessageContaining("limit is " + Json.MAX_DEPTH);
        assertThatThrownBy(() -> store.enqueue(List.of(job(1), NewJob.of(Q, "test.job", nested(70))), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(raw.dbSize()).isZero();

        // at the limit: written, and read back by the claim as it was
        String id =
                store.enqueue(NewJob.of(Q, "test.job", nested(Json.MAX_DEPTH))).id();
        assertThat(claimOne().record().payload()).isEqualTo(nested(Json.MAX_DEPTH));
        assertThat(raw.state(id)).isEqualTo(JobState.ACTIVE);
    }

    /** {@code depth} arrays, one inside the other. */
    static JsonNode nested(int depth) {
        JsonNode node = JsonNodeFactory.instance.arrayNode();
        for (int i = 1; i < depth; i++)
            node = JsonNodeFactory.instance.arrayNode().add(node);
        return node;
    }
}
