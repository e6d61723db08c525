package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Limits as operators manage them, on a real Redis: the raw {@code limits} hash limit.lua writes,
 * usage read from the running sets and start logs, the throttled zset a change rescores so claims
 * look at parked jobs at once, and a partitioned queue's shares.
 */
class LimitStoreTest extends RealRedisTest {
    private LimitStore limits;

    @BeforeEach
    void freshStore() {
        Partitions.of(redis).refresh(); // the flush emptied the layout; forget an earlier test's partitions
        limits = new LimitStore(redis);
    }

    private Double score(String scope) {
        Double score = redis.call(j -> j.zscore(Keys.of(Q).throttled(), scope));
        return score;
    }

    private Map<String, String> hash(String physical) {
        return TestRedis.hash(redis, Keys.of(physical).limits());
    }

    @Test
    void setWritesTheFieldsOfTheSpecAndReplacesTheScopesLimitWhole() {
        limits.set(new Limit(Q, "type:embed", 5, 100, Duration.ofSeconds(1)));
        limits.set(Limit.rate(Q, "key:*", "600/1m"));
        assertThat(hash(Q))
                .containsOnly(
                        Map.entry("c:type:embed", "5"),
                        Map.entry("r:type:embed", "100 1000"),
                        Map.entry("r:key:*", "600 60000"));

        limits.set(Limit.concurrency(Q, "type:embed", 3)); // the rate part goes
        assertThat(hash(Q)).containsOnly(Map.entry("c:type:embed", "3"), Map.entry("r:key:*", "600 60000"));
    }

    @Test
    void listShowsEachLimitWithItsUsageNow() {
        limits.set(new Limit(Q, "type:embed", 5, 100, Duration.ofSeconds(1)));
        limits.set(Limit.concurrency(Q, "key:*", 2));
        Keys keys = Keys.of(Q);
        long now = redis.serverTimeMs();
        TestRedis.raw(redis, j -> j.sadd(keys.running("type:embed"), "j1", "j2"));
        TestRedis.raw(redis, j -> j.zadd(keys.starts("type:embed"), now - 5_000, "old:1")); // out of the window
        TestRedis.raw(redis, j -> j.zadd(keys.starts("type:embed"), now - 100, "j1:1"));
        TestRedis.raw(redis, j -> j.zadd(keys.starts("type:embed"), now - 50, "j2:1"));

        List<LimitUsage> listed = limits.list(Q);

        assertThat(listed)
                .containsExactly(
                        new LimitUsage(Limit.concurrency(Q, "key:*", 2), null, null),
                        new LimitUsage(new Limit(Q, "type:embed", 5, 100, Duration.ofSeconds(1)), 2L, 2L));
    }

    @Test
    void deleteRemovesBothFieldsAndSaysWhetherThereWasALimit() {
        limits.set(new Limit(Q, "group:g1", 1, 10, Duration.ofSeconds(1)));
        assertThat(limits.delete(Q, "group:g1")).isTrue();
        assertThat(hash(Q)).isEmpty();
        assertThat(limits.delete(Q, "group:g1")).isFalse();
        assertThat(limits.list(Q)).isEmpty();
    }

    @Test
    void aChangeSendsClaimsToTheScopesParkedJobsAtOnce() {
        Keys keys = Keys.of(Q);
        TestRedis.raw(redis, j -> j.rpush(keys.parked("type:embed"), "j1"));
        TestRedis.raw(redis, j -> j.zadd(keys.throttled(), 9_999_999_999_999.0, "type:embed"));
        TestRedis.raw(redis, j -> j.zadd(keys.throttled(), 9_999_999_999_999.0, "type:other"));

        limits.set(Limit.concurrency(Q, "type:embed", 10));
        List<String> pending = redis.call(j -> j.lrange(keys.pending(), 0, -1));
        assertThat(pending)
                .as("a wake marker for a worker blocked on the empty pending list")
                .containsExactly("@");

        assertThat(score("type:embed")).isZero();
        assertThat(score("type:other")).as("another scope waits as it did").isEqualTo(9_999_999_999_999.0);

        TestRedis.raw(redis, j -> j.del(keys.pending()));
        limits.set(Limit.concurrency(Q, "type:idle", 1)); // nothing parked: nothing to look at, nobody woken
        long woken = redis.call(j -> j.llen(keys.pending()));
        assertThat(woken).isZero();
        assertThat(score("type:idle")).isNull();

        TestRedis.raw(redis, j -> j.zadd(keys.throttled(), 9_999_999_999_999.0, "type:embed"));
        limits.delete(Q, "type:embed");
        assertThat(score("type:embed")).isZero();
    }

    @Test
    void aWildcardChangeSendsClaimsToEveryKeyOfItsKind() {
        Keys keys = Keys.of(Q);
        for (String scope : List.of("key:t1", "key:t2", "group:g1")) {
            TestRedis.raw(redis, j -> j.rpush(keys.parked(scope), "j-" + scope));
            TestRedis.raw(redis, j -> j.zadd(keys.throttled(), 9_999_999_999_999.0, scope));
        }

        limits.set(Limit.concurrency(Q, "key:*", 3));

        assertThat(score("key:t1")).isZero();
        assertThat(score("key:t2")).isZero();
        assertThat(score("group:g1")).isEqualTo(9_999_999_999_999.0);
    }

    @Test
    void aPartitionedQueueHoldsAShareInEachPartitionAndListsTheirSum() {
        Partitions.of(redis).declare(Q, 3);
        limits.set(new Limit(Q, "queue", 10, 100, Duration.ofSeconds(1)));

        for (String physical : List.of(Q, Q + "~1", Q + "~2")) {
            assertThat(hash(physical))
                    .as(physical)
                    .containsOnly(Map.entry("c:queue", "4"), Map.entry("r:queue", "34 1000"));
        }
        TestRedis.raw(redis, j -> j.sadd(Keys.of(Q + "~2").running("queue"), "a"));
        TestRedis.raw(redis, j -> j.sadd(Keys.of(Q).running("queue"), "b"));
        assertThat(limits.list(Q))
                .containsExactly(new LimitUsage(new Limit(Q, "queue", 12, 102, Duration.ofSeconds(1)), 2L, 0L));

        assertThat(limits.delete(Q, "queue")).isTrue();
        for (String physical : List.of(Q, Q + "~1", Q + "~2"))
            assertThat(hash(physical)).isEmpty();
    }

    @Test
    void aBadScopeIsRefusedBeforeRedis() {
        assertThatThrownBy(() -> limits.delete(Q, "tenant:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scope must be");
        boolean written = redis.call(j -> j.exists(Keys.of(Q).limits()));
        assertThat(written).isFalse();
    }

    @Test
    void aShareRoundsUp() {
        assertThat(LimitStore.share(5, 1)).isEqualTo(5);
        assertThat(LimitStore.share(5, 2)).isEqualTo(3);
        assertThat(LimitStore.share(1, 4)).isEqualTo(1);
        assertThat(LimitStore.share(100_000, 3)).isEqualTo(33_334);
    }
}
