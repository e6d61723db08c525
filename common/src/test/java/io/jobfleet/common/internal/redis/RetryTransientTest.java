package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.RedisUnavailableException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisClusterException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Errors a moment cures are asked again, boundedly: a master demoted to replica (READONLY), a
 * slot in migration (TRYAGAIN), a cluster without a majority (CLUSTERDOWN). A real server is
 * demoted with REPLICAOF for a moment and the write issued meanwhile succeeds once it is master again.
 */
@Tag("single-server") // REPLICAOF on the one server
@SuppressWarnings("deprecation") // raw commands (CONFIG, DEBUG, CLUSTER) through sendCommand
class RetryTransientTest extends RealRedisTest {
    private static final String WRAPPED = "ERR Error running script (call to f_x): @user_script:3: @user_script: 3: -";

    @Test
    void whichErrorsAreRetried() {
        assertThat(CallEdge.retriable(new JedisDataException("TRYAGAIN Multiple keys request during rehashing")))
                .isTrue();
        assertThat(CallEdge.retriable(new JedisClusterException("CLUSTERDOWN The cluster is down")))
                .isTrue();
        assertThat(CallEdge.retriable(new JedisDataException("READONLY You can't write against a read only replica.")))
                .isTrue();
        assertThat(CallEdge.retriable(new JedisDataException(WRAPPED + "READONLY You can't write")))
                .isTrue();
        assertThat(CallEdge.retriable(new JedisDataException("OOM command not allowed")))
                .isFalse();
        assertThat(CallEdge.retriable(new JedisDataException("ERR wrong number of arguments")))
                .isFalse();
        assertThat(CallEdge.retriable(new JedisConnectionException("reset"))).isFalse();
    }

    @Test
    void writeDuringAShortDemotionSucceedsAfterIt() throws Exception {
        // a replica of nothing that listens: writes get READONLY until REPLICAOF NO ONE
        TestRedis.raw(redis, j -> j.sendCommand(Protocol.Command.REPLICAOF, "127.0.0.1", "1"));
        CompletableFuture<Void> promote = CompletableFuture.runAsync(() -> {
            sleep(400);
            TestRedis.raw(redis, j -> j.sendCommand(Protocol.Command.REPLICAOF, "NO", "ONE"));
        });
        long start = System.nanoTime();
        String id = enqueue(1);
        long ms = (System.nanoTime() - start) / 1_000_000;
        promote.get();
        System.out.println("enqueue during a 400 ms demotion returned after " + ms + " ms");
        assertThat(ms).isGreaterThanOrEqualTo(300);
        assertThat(record(id).id()).isEqualTo(id);
    }

    @Test
    void aLongDemotionEndsInUnavailableAfterTheBound() {
        TestRedis.raw(redis, j -> j.sendCommand(Protocol.Command.REPLICAOF, "127.0.0.1", "1"));
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> enqueue(2))
                    .isInstanceOf(RedisUnavailableException.class)
                    .hasMessageContaining("READONLY");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).isBetween(CallEdge.RETRY_FOR.toMillis() - 300, CallEdge.RETRY_FOR.toMillis() + 10_000);
        } finally {
            TestRedis.raw(redis, j -> j.sendCommand(Protocol.Command.REPLICAOF, "NO", "ONE"));
        }
    }
}
