package io.jobfleet.common.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What {@link Redis#connect} refuses, and how an unreachable server surfaces. */
@Tag("single-server") // its own server: options, kill/restart; not run against Cluster or Sentinel
class ServerCheckTest {

    @Test
    void evictingServerIsRefusedWithTheFix() {
        try (EmbeddedRedis server = TestRedis.start("--maxmemory-policy", "allkeys-lru")) {
            assertThatThrownBy(() -> TestRedis.connect(server)).isInstanceOfSatisfying(ConfigException.class, e -> {
                assertThat(e.getMessage())
                        .contains("'allkeys-lru'")
                        .contains("'noeviction'")
                        .contains(server.url().replace("redis://", ""));
                assertThat(e.code()).isEqualTo("config");
            });
        }
    }

    @Test
    void noevictionServerIsAccepted() {
        try (EmbeddedRedis server = TestRedis.start();
                Redis redis = TestRedis.connect(server)) {
            redis.ping();
            assertThat(redis.info("memory", "maxmemory_policy")).isEqualTo("noeviction");
            assertThat(redis.info("server", "redis_version")).matches("\\d+\\.\\d+\\.\\d+");
            assertThat(redis.info("server", "no_such_field")).isNull();
            assertThat(redis.serverTimeMs()).isCloseTo(System.currentTimeMillis(), Offset.offset(60_000L));
        }
    }

    @Test
    void versionCheck() {
        assertThat(Redis.atLeast("6.2.6", 6, 2)).isTrue();
        assertThat(Redis.atLeast("7.0.15", 6, 2)).isTrue();
        assertThat(Redis.atLeast("10.0.0", 6, 2)).isTrue();
        assertThat(Redis.atLeast("6.0.20", 6, 2)).isFalse();
        assertThat(Redis.atLeast("5.0.14", 6, 2)).isFalse();
        assertThat(Redis.atLeast("7", 6, 2)).isTrue();
    }

    @Test
    void unreachableServerIsUnavailable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RedisSettings settings = RedisSettings.fromUrl("redis://127.0.0.1:" + port)
                .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));

        assertThatThrownBy(() -> Redis.connect(settings))
                .isInstanceOf(RedisUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + port);
        try (Redis redis = Redis.open(settings)) {
            JobStore store = new JobStore(redis, Retention.DEFAULT);
            assertThatThrownBy(() -> store.enqueue(NewJob.of("q1", "t", null)))
                    .isInstanceOfSatisfying(RedisUnavailableException.class, e -> {
                        assertThat(e.code()).isEqualTo("redis_unavailable");
                        assertThat(e.getMessage()).contains("unreachable");
                    });
            assertThatThrownBy(() -> store.claim("q1", 1, Duration.ofSeconds(1), "w"))
                    .isInstanceOf(RedisUnavailableException.class);
            assertThatThrownBy(() -> new QueueStore(redis).depth("q1")).isInstanceOf(RedisUnavailableException.class);
        }
    }

    @Test
    void killedServerIsUnavailableAndRecoveredAfterRestart() throws InterruptedException {
        try (EmbeddedRedis server = TestRedis.start();
                Redis redis = TestRedis.connect(server)) {
            JobStore store = new JobStore(redis, Retention.DEFAULT);
            String id = store.enqueue(NewJob.of("q1", "t", null)).id();
            server.kill();
            assertThatThrownBy(() -> store.get("q1", id)).isInstanceOf(RedisUnavailableException.class);
            server.restart();
            // the acknowledged enqueue was in the AOF; the pool finds a working connection again
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    assertThat(store.get("q1", id)).isPresent();
                    break;
                } catch (RedisUnavailableException e) {
                    if (System.nanoTime() > deadline) throw e;
                    Thread.sleep(20);
                }
            }
        }
    }
}
