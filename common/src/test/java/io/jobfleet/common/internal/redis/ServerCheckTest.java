package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import org.slf4j.LoggerFactory;

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
        assertThat(ServerCheck.atLeast("6.2.6", 6, 2, 0)).isTrue();
        assertThat(ServerCheck.atLeast("7.0.15", 6, 2, 0)).isTrue();
        assertThat(ServerCheck.atLeast("10.0.0", 6, 2, 0)).isTrue();
        assertThat(ServerCheck.atLeast("6.0.20", 6, 2, 0)).isFalse();
        assertThat(ServerCheck.atLeast("5.0.14", 6, 2, 0)).isFalse();
        assertThat(ServerCheck.atLeast("7", 6, 2, 0)).isTrue();
        assertThat(ServerCheck.atLeast("6.2.10", 6, 2, 11)).isFalse();
        assertThat(ServerCheck.atLeast("6.2.11", 6, 2, 11)).isTrue();
        assertThat(ServerCheck.atLeast("7.0.0-rc1", 6, 2, 11)).isTrue();
    }

    /** M5: min-replicas-to-write on a server that may let scripts write past it is warned about, and only there. */
    @Test
    void minReplicasToWriteIsWarnedAboutBelowTheVersionsSeenToApplyItToScripts() {
        String on = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmin_slaves_good_slaves:0\r\n";
        String off = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";
        assertThat(ServerCheck.minReplicasWarning("h:1", "6.2.6", on)).hasValueSatisfying(w -> assertThat(w)
                .contains("h:1", "6.2.6", "min-replicas-to-write", "redis/redis#9993"));
        assertThat(ServerCheck.minReplicasWarning("h:1", "6.2.10", on)).isPresent();
        assertThat(ServerCheck.minReplicasWarning("h:1", "6.2.6", off)).isEmpty();
        assertThat(ServerCheck.minReplicasWarning("h:1", "6.2.11", on)).isEmpty();
        assertThat(ServerCheck.minReplicasWarning("h:1", "7.0.15", on)).isEmpty();
    }

    /** The same check on a real server with the setting on: the servers here apply it to scripts, so no warning. */
    @Test
    void minReplicasToWriteOnAServerThatAppliesItToScriptsIsNotWarnedAbout() {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ServerCheck.class);
        logger.addAppender(logged);
        try (EmbeddedRedis server = TestRedis.start("--min-replicas-to-write", "1", "--min-replicas-max-lag", "10");
                Redis redis = TestRedis.connect(server)) {
            assertThat(redis.info("replication", "min_slaves_good_slaves")).isEqualTo("0");
            assertThat(logged.list).isEmpty();
            // the same server as an older version would report itself: the check warns
            assertThat(ServerCheck.minReplicasWarning("x", "6.2.6", TestRedis.raw(redis, j -> j.info("replication"))))
                    .isPresent();
        } finally {
            logger.detachAppender(logged);
        }
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
            assertThatThrownBy(() -> new Leases(redis, Retention.DEFAULT)
                            .claim(Partition.first("q1"), 1, Duration.ofSeconds(1), "w"))
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
