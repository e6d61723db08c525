package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ChaosProxy} does what the network fault claims, against a real redis-server. */
class ChaosProxyTest {
    private EmbeddedRedis server;
    private Redis direct;
    private ChaosProxy proxy;
    private Redis viaProxy;

    @BeforeEach
    void start() {
        server = TestRedis.start();
        direct = TestRedis.connect(server);
        proxy = ChaosProxy.start("test", server.port());
        // one connection, short timeouts: each fault hits the connection the next call uses
        viaProxy = Redis.connect(RedisSettings.fromUrl(proxy.url())
                .withPoolSize(1)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(500)));
    }

    @AfterEach
    void stop() {
        viaProxy.close();
        proxy.close();
        direct.close();
        server.close();
    }

    private static long incr(Redis redis) {
        return TestRedis.raw(redis, j -> j.incr("n"));
    }

    private String counter() {
        return TestRedis.raw(direct, j -> j.get("n"));
    }

    @Test
    void passForwardsBothWays() {
        assertThat(incr(viaProxy)).isEqualTo(1);
        assertThat(incr(direct)).isEqualTo(2);
        assertThat(proxy.connectionsAccepted()).isPositive();
    }

    @Test
    void lostRepliesRunTheCommandButTheClientNeverLearnsIt() {
        incr(viaProxy);
        proxy.loseReplies();
        assertThatThrownBy(() -> incr(viaProxy)).isInstanceOf(RedisUnavailableException.class);
        assertThat(counter()).as("the command ran").isEqualTo("2");
        proxy.pass();
        assertThat(proxy.droppedBytes()).isPositive();
        assertThat(incr(viaProxy)).as("a new connection passes again").isEqualTo(3);
    }

    @Test
    void blackHoleForwardsNothingUntilTheClientGivesUp() throws InterruptedException {
        incr(viaProxy);
        proxy.blackHole();
        assertThatThrownBy(() -> incr(viaProxy)).isInstanceOf(RedisUnavailableException.class);
        assertThat(counter()).as("the command never arrived").isEqualTo("1");
        for (int i = 0; i < 100 && proxy.connectionsAbandoned() == 0; i++) Thread.sleep(20);
        assertThat(proxy.connectionsAbandoned())
                .as("connections the client closed on its own timeout")
                .isPositive();
        proxy.pass();
        assertThat(incr(viaProxy)).isEqualTo(2);
    }

    @Test
    void resetAbortsOpenConnectionsAndNewOnesPass() {
        incr(viaProxy);
        assertThat(proxy.reset()).isEqualTo(1);
        assertThatThrownBy(() -> incr(viaProxy))
                .as("the pooled connection was reset")
                .isInstanceOf(RedisUnavailableException.class);
        assertThat(incr(viaProxy)).isEqualTo(2);
        assertThat(proxy.connectionsReset()).isEqualTo(1);
    }

    @Test
    void latencyDelaysEachChunkBothWays() {
        incr(viaProxy);
        proxy.latency(100);
        long started = System.nanoTime();
        assertThat(incr(viaProxy)).isEqualTo(2);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(elapsedMs).as("a request and its reply, each held 100 ms").isGreaterThanOrEqualTo(200);
    }
}
