package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.EnqueueResult.Status;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Guarantee 5: an idempotency key names one job for its TTL; a key reused with another payload is refused. */
class IdempotencyTest extends RealRedisTest {

    private static NewJob keyed(String key, String payloadJson) {
        return NewJob.of(Q, "test.job", Json.read(payloadJson)).withIdempotencyKey(key);
    }

    @Test
    void sameKeyAndPayloadReplaysTheOriginalJob() {
        EnqueueResult first = store.enqueue(keyed("order-1", "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"z\"}}"));
        Map<String, String> before = raw.snapshot();

        EnqueueResult again = store.enqueue(keyed("order-1", "{\"b\":{\"y\":\"z\",\"x\":[1,2]},\"a\":1}"));

        assertThat(first.status()).isEqualTo(Status.CREATED);
        assertThat(again).isEqualTo(new EnqueueResult(first.id(), Status.REPLAYED));
        assertThat(raw.snapshot()).isEqualTo(before);
        assertThat(raw.pending()).containsExactly(first.id());
        assertThat(raw.job(first.id())).containsEntry("idemKey", "order-1");
    }

    @Test
    void replayFindsTheJobWhateverBecameOfIt() {
        EnqueueResult first = store.enqueue(keyed("k", "{}"));
        var claimed = claimOne();
        leases.ack(P, List.of(new Leases.Ack(claimed.id(), claimed.token(), null)));

        assertThat(store.enqueue(keyed("k", "{}"))).isEqualTo(new EnqueueResult(first.id(), Status.REPLAYED));
        assertThat(raw.pending()).isEmpty();
    }

    @Test
    void sameKeyWithAnotherPayloadIsAConflictAndWritesNothing() {
        EnqueueResult first = store.enqueue(keyed("order-1", "{\"amount\":10}"));
        Map<String, String> before = raw.snapshot();

        assertThatThrownBy(() -> store.enqueue(keyed("order-1", "{\"amount\":11}")))
                .isInstanceOfSatisfying(IdempotencyConflictException.class, e -> {
                    assertThat(e.existingId()).isEqualTo(first.id());
                    assertThat(e.code()).isEqualTo("idempotency_conflict");
                    assertThat(e.getMessage()).contains("order-1").contains(first.id());
                });
        // the type is part of what the key is bound to
        assertThatThrownBy(() -> store.enqueue(
                        NewJob.of(Q, "other.type", Json.read("{\"amount\":10}")).withIdempotencyKey("order-1")))
                .isInstanceOf(IdempotencyConflictException.class);

        assertThat(raw.snapshot()).isEqualTo(before);
    }

    @Test
    void conflictInABatchIsOneItemAndTheRestGoIn() {
        EnqueueResult first = store.enqueue(keyed("k1", "{\"v\":1}"));

        List<EnqueueResult> results =
                store.enqueue(List.of(keyed("k1", "{\"v\":2}"), keyed("k2", "{\"v\":2}"), keyed("k1", "{\"v\":1}")), 0);

        assertThat(results.get(0)).isEqualTo(new EnqueueResult(first.id(), Status.CONFLICT));
        assertThat(results.get(1).status()).isEqualTo(Status.CREATED);
        assertThat(results.get(2)).isEqualTo(new EnqueueResult(first.id(), Status.REPLAYED));
        assertThat(raw.pending()).containsExactly(results.get(1).id(), first.id());
        assertThat(raw.job(first.id())).containsEntry("payload", "{\"v\":1}");
    }

    @Test
    void twoKeysInOneBatchAndOneKeyTwice() {
        List<EnqueueResult> results = store.enqueue(
                List.of(keyed("a", "{\"n\":1}"), keyed("b", "{\"n\":1}"), keyed("a", "{\"n\":1}"), keyed("b", "{}")),
                0);

        assertThat(results.get(0).status()).isEqualTo(Status.CREATED);
        assertThat(results.get(1).status()).isEqualTo(Status.CREATED);
        assertThat(results.get(0).id()).isNotEqualTo(results.get(1).id());
        assertThat(results.get(2)).isEqualTo(new EnqueueResult(results.get(0).id(), Status.REPLAYED));
        assertThat(results.get(3)).isEqualTo(new EnqueueResult(results.get(1).id(), Status.CONFLICT));
        assertThat(queues.depth(Q)).isEqualTo(2);
        assertThat(raw.exists(raw.keys().idempotency("a"))).isTrue();
        assertThat(raw.exists(raw.keys().idempotency("b"))).isTrue();
    }

    @Test
    void keyLivesForTheIdempotencyRetention() {
        store.enqueue(keyed("k", "{}"));
        long ttl = raw.pttl(raw.keys().idempotency("k"));
        long expected = Retention.DEFAULT.idempotency().toMillis();
        assertThat(ttl).isBetween(expected - 10_000, expected);
    }

    @Test
    void afterTheKeyExpiresTheSameKeyMakesANewJob() {
        JobStore shortKeys = new JobStore(
                redis, new Retention(Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(200), 10));
        EnqueueResult first = shortKeys.enqueue(keyed("k", "{}"));
        String key = raw.keys().idempotency("k");
        assertThat(raw.pttl(key)).isLessThanOrEqualTo(200L).isNotEqualTo(-1L); // expiring, or already gone
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (raw.exists(key) && System.nanoTime() < deadline) sleep(10);

        EnqueueResult second = shortKeys.enqueue(keyed("k", "{\"other\":true}"));
        assertThat(second.status()).isEqualTo(Status.CREATED);
        assertThat(second.id()).isNotEqualTo(first.id());
    }

    @Test
    void jobsWithoutKeysAreNeverDeduplicated() {
        store.enqueue(job(1));
        store.enqueue(job(1));
        assertThat(queues.depth(Q)).isEqualTo(2);
        assertThat(raw.allKeys()).noneMatch(k -> k.contains(":idem:"));
    }

    /** 8 threads race to enqueue the same 200 keys: one job per key, and every thread learns its id. */
    @Test
    void racingEnqueuersMakeExactlyOneJobPerKey() throws Exception {
        int threads = 8;
        int keys = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        Map<String, List<EnqueueResult>> byKey = new ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    List<Integer> order = new ArrayList<>();
                    for (int k = 0; k < keys; k++) order.add(k);
                    Collections.shuffle(order, new Random(seed));
                    start.await();
                    for (int k : order) {
                        JsonNode payload = Json.read("{\"key\":" + k + "}");
                        EnqueueResult r =
                                store.enqueue(NewJob.of(Q, "test.job", payload).withIdempotencyKey("key-" + k));
                        byKey.computeIfAbsent("key-" + k, x -> Collections.synchronizedList(new ArrayList<>()))
                                .add(r);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        assertThat(byKey).hasSize(keys);
        Map<String, String> idByKey = new HashMap<>();
        byKey.forEach((key, results) -> {
            assertThat(results).hasSize(threads);
            assertThat(results.stream().filter(r -> r.status() == Status.CREATED))
                    .as(key)
                    .hasSize(1);
            assertThat(results.stream().filter(r -> r.status() == Status.REPLAYED))
                    .as(key)
                    .hasSize(threads - 1);
            assertThat(results.stream().map(EnqueueResult::id).distinct())
                    .as(key)
                    .hasSize(1);
            idByKey.put(key, results.get(0).id());
        });
        assertThat(queues.depth(Q)).isEqualTo(keys);
        assertThat(raw.allKeys().stream().filter(k -> k.startsWith(raw.keys().prefix() + "job:")))
                .hasSize(keys);
        assertThat(raw.pending()).containsExactlyInAnyOrderElementsOf(idByKey.values());
        idByKey.forEach((key, id) -> assertThat(raw.job(id)).containsEntry("idemKey", key));
    }
}
