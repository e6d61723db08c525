package io.jobfleet.common.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.redis.EmbeddedRedis;
import io.jobfleet.common.redis.JobStore;
import io.jobfleet.common.redis.Redis;
import io.jobfleet.common.redis.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TransitionSmokeTest {
    static EmbeddedRedis server;
    static Redis redis;

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        redis = TestRedis.connect(server);
    }

    @AfterAll
    static void stop() {
        redis.close();
        server.close();
    }

    @Test
    void enqueueClaimAck() {
        JobStore store = new JobStore(redis, Retention.DEFAULT);
        var payload = JsonNodeFactory.instance.objectNode().put("n", 1);
        EnqueueResult created = store.enqueue(NewJob.of("q1", "noop", payload));
        assertThat(created.status()).isEqualTo(EnqueueResult.Status.CREATED);
        JobStore.Claim claim = store.claim("q1", 10, Duration.ofSeconds(10), "w1");
        assertThat(claim.jobs()).hasSize(1);
        ClaimedJob job = claim.jobs().get(0);
        assertThat(job.record().payload().get("n").asInt()).isEqualTo(1);
        assertThat(job.token()).isEqualTo(1);
        assertThat(store.ack("q1", java.util.List.of(new JobStore.Ack(job.id(), job.token(), null))))
                .containsExactly(ReportStatus.RECORDED);
        assertThat(store.get("q1", job.id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }
}
