package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Redis URLs: what is read from them, and messages that name what is wrong. */
class RedisSettingsTest {

    @Test
    void fullUrlIsRead() {
        RedisSettings s = RedisSettings.fromUrl("redis://user:pass@host:1234/2");
        assertThat(s.host()).isEqualTo("host");
        assertThat(s.port()).isEqualTo(1234);
        assertThat(s.user()).isEqualTo("user");
        assertThat(s.password()).isEqualTo("pass");
        assertThat(s.database()).isEqualTo(2);
        assertThat(s.tls()).isFalse();
        assertThat(s.poolSize()).isEqualTo(RedisSettings.DEFAULT_POOL_SIZE);
        assertThat(s.connectTimeout()).isEqualTo(RedisSettings.DEFAULT_CONNECT_TIMEOUT);
        assertThat(s.socketTimeout()).isEqualTo(RedisSettings.DEFAULT_SOCKET_TIMEOUT);
    }

    @Test
    void tlsUrlWithDefaults() {
        RedisSettings s = RedisSettings.fromUrl("rediss://redis.example.com");
        assertThat(s.tls()).isTrue();
        assertThat(s.host()).isEqualTo("redis.example.com");
        assertThat(s.port()).isEqualTo(RedisSettings.DEFAULT_PORT);
        assertThat(s.database()).isZero();
        assertThat(s.user()).isNull();
        assertThat(s.password()).isNull();
        assertThat(s.address()).isEqualTo("rediss://redis.example.com:6379");
    }

    @Test
    void passwordFormsAndEncoding() {
        RedisSettings legacy = RedisSettings.fromUrl("redis://:secret@h");
        assertThat(legacy.user()).isNull();
        assertThat(legacy.password()).isEqualTo("secret");

        RedisSettings bare = RedisSettings.fromUrl("redis://secret@h");
        assertThat(bare.user()).isNull();
        assertThat(bare.password()).isEqualTo("secret");

        RedisSettings encoded = RedisSettings.fromUrl("redis://app:p%40ss%3Aword@h:6380/0");
        assertThat(encoded.user()).isEqualTo("app");
        assertThat(encoded.password()).isEqualTo("p@ss:word");
        assertThat(RedisSettings.fromUrl("  redis://h:1/  ").port()).isEqualTo(1);
    }

    @Test
    void passwordsNeverShowInMessagesOrNames() {
        RedisSettings s = RedisSettings.fromUrl("redis://user:hunter2@host:1234/2");
        assertThat(s.address()).isEqualTo("redis://host:1234/2").doesNotContain("hunter2");
        assertThat(s.toString()).doesNotContain("hunter2");
        assertThatThrownBy(() -> RedisSettings.fromUrl("http://user:hunter2@host"))
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://user:hunter2@host/zero"))
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void wrongSchemeIsRefused() {
        assertThatThrownBy(() -> RedisSettings.fromUrl("http://localhost:6379"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'http://localhost:6379'")
                .hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisSettings.fromUrl("localhost:6379")).isInstanceOf(ConfigException.class);
    }

    @Test
    void missingHostIsRefused() {
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://:6379"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'redis://:6379'")
                .hasMessageContaining("no host");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis:///2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no host");
    }

    @Test
    void badDatabaseIsRefused() {
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://localhost/zero"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'zero'");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://localhost/-1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void missingOrMalformedUrlIsRefused() {
        assertThatThrownBy(() -> RedisSettings.fromUrl(null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("JOBFLEET_REDIS_URL");
        assertThatThrownBy(() -> RedisSettings.fromUrl("  ")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://host name"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'redis://host name'");
    }

    @Test
    void settingsAreValidated() {
        RedisSettings s = RedisSettings.fromUrl("redis://h");
        assertThatThrownBy(() -> s.withPoolSize(0))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> s.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PT0S");
        assertThat(s.withPoolSize(4).withClientName("worker-7").poolSize()).isEqualTo(4);
    }

    @Test
    void sentinelUrlIsRead() {
        RedisSettings s = RedisSettings.fromUrl("redis-sentinel://app:pw@s1,s2:26380,10.0.0.3:26381/3#mymaster");
        assertThat(s.topology()).isEqualTo(RedisSettings.Topology.SENTINEL);
        assertThat(s.nodes())
                .containsExactly(
                        new RedisSettings.Node("s1", 26379),
                        new RedisSettings.Node("s2", 26380),
                        new RedisSettings.Node("10.0.0.3", 26381));
        assertThat(s.masterName()).isEqualTo("mymaster");
        assertThat(s.database()).isEqualTo(3);
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("pw");
        assertThat(s.address()).isEqualTo("redis-sentinel://s1:26379,s2:26380,10.0.0.3:26381/3#mymaster");
        assertThat(RedisSettings.fromUrl("rediss-sentinel://s1#m").tls()).isTrue();
    }

    @Test
    void clusterUrlIsRead() {
        RedisSettings s = RedisSettings.fromUrl("redis-cluster://:secret@n1:7000,n2:7001,n_3");
        assertThat(s.topology()).isEqualTo(RedisSettings.Topology.CLUSTER);
        assertThat(s.nodes())
                .containsExactly(
                        new RedisSettings.Node("n1", 7000),
                        new RedisSettings.Node("n2", 7001),
                        new RedisSettings.Node("n_3", 6379));
        assertThat(s.password()).isEqualTo("secret");
        assertThat(s.address())
                .isEqualTo("redis-cluster://n1:7000,n2:7001,n_3:6379")
                .doesNotContain("secret");
        assertThat(RedisSettings.fromUrl("rediss-cluster://n1").tls()).isTrue();
        assertThat(RedisSettings.fromUrl("redis://h").topology()).isEqualTo(RedisSettings.Topology.SINGLE);
    }

    @Test
    void badTopologyUrlsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-sentinel://s1:26379,s2:26379"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("#mymaster");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-cluster://n1:7000/2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("only database 0");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://h1,h2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis-cluster://");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-cluster://n1:70000"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'70000'");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-cluster://n1,,n2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no host");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis://h#m"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("only redis-sentinel://");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-cluster://u:hunter2@n1?x=1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageNotContaining("hunter2");
    }
}
