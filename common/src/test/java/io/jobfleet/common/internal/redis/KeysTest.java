package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.NewJob;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Guarantee 1: every key of a queue carries the hash tag {@code {queue}}, so the queue lives in
 * one Cluster slot and its scripts never cross slots.
 */
class KeysTest extends RealRedisTest {

    private static List<String> everyKeyOf(Keys k) {
        return List.of(
                k.pending(),
                k.active(),
                k.scheduled(),
                k.dead(),
                k.paused(),
                k.stats(),
                k.prefix(),
                k.job("01hx00000000000000ab"),
                k.steps("01hx00000000000000ab"),
                k.idempotency("order-42"),
                k.idempotency("a key with {braces} and : colons"));
    }

    @Test
    void everyQueueKeyCarriesTheHashTag() {
        for (String queue : List.of("q1", "emails", "a.b-c_d", "0")) {
            for (String key : everyKeyOf(Keys.of(queue))) {
                assertThat(key).startsWith("jobfleet:{" + queue + "}:");
            }
        }
    }

    @Test
    void allKeysOfAQueueHashToTheSlotOfItsName() {
        for (String queue : List.of("q1", "emails", "a.b-c_d", "0", "x".repeat(64))) {
            int slot = crc16(queue) % 16384;
            for (String key : everyKeyOf(Keys.of(queue))) {
                assertThat(slotOf(key)).as(key).isEqualTo(slot);
                assertThat(JedisClusterCRC16.getSlot(key)).as(key).isEqualTo(slot);
            }
        }
    }

    @Test
    void crc16MatchesTheClusterSpecification() {
        // the test vector of the Redis Cluster specification, and a known slot
        assertThat(crc16("123456789")).isEqualTo(0x31C3);
        assertThat(slotOf("foo")).isEqualTo(12182);
        assertThat(slotOf("{user1000}.following")).isEqualTo(slotOf("{user1000}.followers"));
    }

    @Test
    void keysAreCachedPerQueueAndCheckTheName() {
        assertThat(Keys.of("q1")).isSameAs(Keys.of("q1"));
        assertThat(Keys.of("q1").queue()).isEqualTo("q1");
        assertThatThrownBy(() -> Keys.of("{evil}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.of("Upper")).isInstanceOf(IllegalArgumentException.class);
    }

    /** L6: any caller can name queues without end (GET /v1/queues/<random>); the cache stays bounded. */
    @Test
    void theCacheOfKeysIsBounded() {
        Keys hot = Keys.of("q1");
        for (int i = 0; i < Keys.CACHE_LIMIT * 3; i++) {
            assertThat(Keys.of("random-" + i).pending()).isEqualTo("jobfleet:{random-" + i + "}:pending");
        }
        assertThat(Keys.cached()).isLessThanOrEqualTo(Keys.CACHE_LIMIT);
        assertThat(Keys.of("q1")).isSameAs(hot);
    }

    @Test
    void fleetWideKeysAreOutsideEveryQueue() {
        assertThat(Keys.queues()).isEqualTo("jobfleet:queues");
        assertThat(Keys.workers()).isEqualTo("jobfleet:workers");
        assertThat(Keys.worker("w1")).isEqualTo("jobfleet:worker:w1");
    }

    /** Every script run over a whole life cycle writes only keys of its own queue's slot. */
    @Test
    void everyKeyWrittenByTheScriptsIsInItsQueueSlot() {
        for (String queue : List.of("alpha", "beta")) {
            lifeCycle(queue);
        }
        Map<String, Integer> slots = Map.of("alpha", crc16("alpha") % 16384, "beta", crc16("beta") % 16384);
        List<String> keys = raw.allKeys().stream().sorted().toList();
        assertThat(keys).contains("jobfleet:queues", "jobfleet:{alpha}:steps:" + "a-1", "jobfleet:{beta}:idem:k");
        for (String key : keys) {
            if (key.equals(Keys.queues())) continue;
            String queue = key.startsWith("jobfleet:{alpha}:") ? "alpha" : "beta";
            assertThat(key).startsWith("jobfleet:{" + queue + "}:");
            assertThat(slotOf(key)).as(key).isEqualTo(slots.get(queue));
        }
    }

    private void lifeCycle(String queue) {
        String p = queue.substring(0, 1);
        store.enqueue(
                NewJob.of(queue, "t", TextNode.valueOf("x")).withId(p + "-1").withIdempotencyKey("k"));
        store.enqueue(NewJob.of(queue, "t", null).withId(p + "-2"));
        store.enqueue(NewJob.of(queue, "t", null).withId(p + "-3").withDelay(Duration.ofHours(1)));
        store.enqueue(NewJob.of(queue, "t", null).withId(p + "-4"));
        List<ClaimedJob> claimed = leases.claim(Partition.parse(queue), 3, Duration.ofMillis(20), "w")
                .jobs();
        assertThat(claimed).hasSize(3);
        ClaimedJob first = claimed.get(0);
        assertThat(leases.recordStep(first, "s1", "1")).isTrue();
        assertThat(leases.progress(first, TextNode.valueOf("half"))).isTrue();
        leases.ack(Partition.parse(queue), List.of(new Leases.Ack(first.id(), first.token(), "\"ok\"")));
        leases.fail(claimed.get(1), error(1, "x"), -1, 5, "dead");
        store.cancel(queue, p + "-3");
        awaitServerTimePast(redis.serverTimeMs() + 25);
        leases.reap(Partition.parse(queue), 10, 5);
        leases.promote(Partition.parse(queue), 10);
        leases.renew(Partition.parse(queue), Duration.ofSeconds(1), Map.of(first.id(), first.token()));
        queues.requeue(queue, List.of(claimed.get(1).id()), true);
        queues.pause(queue);
    }

    /** CRC16-CCITT (XMODEM), as Redis Cluster computes it. */
    static int crc16(String s) {
        int crc = 0;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc;
    }

    /** The Cluster slot of a key: CRC16 of its first non-empty {...} section, else of the whole key. */
    static int slotOf(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) return crc16(key.substring(open + 1, close)) % 16384;
        }
        return crc16(key) % 16384;
    }
}
