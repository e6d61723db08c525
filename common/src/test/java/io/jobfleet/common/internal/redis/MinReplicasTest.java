package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.JobState;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * M5: does {@code min-replicas-to-write} refuse jobfleet's writes, which are all scripts? Redis
 * once checked it only for plain write commands (redis/redis#9993, fixed for 7.0 by #10160). On
 * a lone server with the setting on, every write has too few replicas, so each must be refused
 * with NOREPLICAS and change nothing. Seen on the embedded 6.2.11 and on Debian's 7.0.15.
 */
@Tag("single-server") // CONFIG SET on its own server
class MinReplicasTest extends RealRedisTest {

    @Test
    void aLoneServerWithMinReplicasToWriteRefusesEveryScriptWrite() {
        String running = enqueue(1);
        String waiting = enqueue(2);
        ClaimedJob claimed = claimOne();
        assertThat(claimed.id()).isEqualTo(running);
        String version = redis.info("server", "redis_version");
        TestRedis.raw(redis, j -> j.configSet("min-replicas-max-lag", "10"));
        TestRedis.raw(redis, j -> j.configSet("min-replicas-to-write", "1"));
        try {
            assertThatThrownBy(() -> enqueue(3)).as("enqueue on %s", version).satisfies(MinReplicasTest::scriptRefused);
            assertThatThrownBy(() -> leases.claim(P, 1, LONG_LEASE, "w2"))
                    .as("claim on %s", version)
                    .satisfies(MinReplicasTest::scriptRefused);
            assertThatThrownBy(() -> leases.ack(P, List.of(new Leases.Ack(claimed.id(), claimed.token(), null))))
                    .as("ack on %s", version)
                    .satisfies(MinReplicasTest::scriptRefused);
            assertThatThrownBy(() -> TestRedis.raw(redis, j -> j.set("plain", "write")))
                    .satisfies(MinReplicasTest::noReplicas);
        } finally {
            TestRedis.raw(redis, j -> j.configSet("min-replicas-to-write", "0"));
        }
        // nothing was written: one job running, one waiting, no third
        assertThat(raw.pending()).containsExactly(waiting);
        assertThat(raw.active()).containsOnlyKeys(running);
        assertThat(record(running).state()).isEqualTo(JobState.ACTIVE);
        assertThat(raw.allKeys()).noneMatch(k -> k.equals("plain"));
    }

    /** Refused inside the script (6.2: "Error running script ... -NOREPLICAS"; 7.0: "NOREPLICAS ... script: sha"). */
    private static void scriptRefused(Throwable e) {
        noReplicas(e);
        assertThat(e).hasMessageContaining("script");
    }

    private static void noReplicas(Throwable e) {
        assertThat(e).isInstanceOf(RedisUnavailableException.class).hasMessageContaining("NOREPLICAS");
    }
}
