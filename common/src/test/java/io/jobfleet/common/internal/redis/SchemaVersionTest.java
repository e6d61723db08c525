package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.ConfigException;
import org.junit.jupiter.api.Test;

/** The key layout marker: written on first connect, read by every later one, a newer layout refused. */
class SchemaVersionTest extends RealRedisTest {

    private String marker() {
        return TestRedis.raw(redis, j -> j.get(Keys.schema()));
    }

    private Redis reconnect() {
        return TestRedis.connect(server);
    }

    @Test
    void anEmptyRedisGetsTheCurrentVersionOnFirstConnect() {
        assertThat(marker()).isNull();
        try (Redis other = reconnect()) {
            assertThat(marker()).isEqualTo("1");
            assertThat(SchemaVersion.check(other))
                    .isEqualTo(SchemaVersion.CURRENT)
                    .isEqualTo(1);
        }
    }

    @Test
    void stateWithoutAMarkerIsVersionOneAndIsMarkedSo() {
        String id = enqueue(1);
        assertThat(marker()).as("the marker before any process checks").isNull();
        assertThat(SchemaVersion.check(redis)).isEqualTo(1);
        assertThat(marker()).isEqualTo("1");
        assertThat(store.get(Q, id)).isPresent();
    }

    @Test
    void aNewerLayoutIsRefusedNamingBothVersions() {
        TestRedis.raw(redis, j -> j.set(Keys.schema(), "2"));
        assertThatThrownBy(this::reconnect)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("layout version 2")
                .hasMessageContaining("serves layout version 1")
                .hasMessageContaining(Keys.schema());
        assertThat(marker()).as("a refusing process leaves the marker alone").isEqualTo("2");
    }

    @Test
    void aMarkerThatIsNotANumberIsRefused() {
        TestRedis.raw(redis, j -> j.set(Keys.schema(), "two"));
        assertThatThrownBy(() -> SchemaVersion.check(redis))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'two'")
                .hasMessageContaining("not a key layout version");
    }

    @Test
    void anOlderLayoutThanThisBuildServesIsRefusedToo() {
        TestRedis.raw(redis, j -> j.set(Keys.schema(), "0"));
        assertThatThrownBy(() -> SchemaVersion.check(redis))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot migrate from 0");
    }
}
