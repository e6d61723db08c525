package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 8 clients, each with its own HTTP client and connection, send the same 1,000 idempotency keys
 * in the same order at the same moment, so every key is raced by 8 requests. Exactly one job per
 * key may exist afterwards; the 7 losers must get the winner's id as a replay.
 */
@Tag("slow")
class IdempotencyRaceTest extends ApiTestBase {
    private static final String Q = "race";
    private static final int CLIENTS = 8;
    private static final int KEYS = 1_000;

    /** What one client got for one key. */
    record Answer(int status, String id, boolean replayed) {}

    @Test
    void eightClientsRacingOnTheSameKeysMakeExactlyOneJobPerKey() throws Exception {
        List<Answer[]> answers = race();

        Set<String> ids = new HashSet<>();
        for (int key = 0; key < KEYS; key++) {
            List<Answer> forKey = new ArrayList<>();
            for (Answer[] client : answers) forKey.add(client[key]);
            String id = forKey.get(0).id();
            assertThat(forKey).as("answers for key %d", key).allSatisfy(a -> assertThat(a.id())
                    .isEqualTo(id));
            assertThat(forKey.stream().filter(a -> a.status() == 201 && !a.replayed()))
                    .as("creations of key %d", key)
                    .hasSize(1);
            assertThat(forKey.stream().filter(a -> a.status() == 200 && a.replayed()))
                    .as("replays of key %d", key)
                    .hasSize(CLIENTS - 1);
            ids.add(id);
        }
        assertThat(ids).hasSize(KEYS);

        Keys keys = Keys.of(Q);
        assertThat(jobKeys(Q)).hasSize(KEYS);
        assertThat(pendingDepth(Q)).isEqualTo(KEYS);
        List<String> pending = TestRedis.raw(redis, j -> j.lrange(keys.pending(), 0, -1));
        Set<String> idemKeys = TestRedis.raw(redis, j -> j.keys(keys.prefix() + "idem:*"));
        assertThat(pending).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(idemKeys).hasSize(KEYS);
        for (String id : List.of(answers.get(0)[0].id(), answers.get(3)[KEYS - 1].id())) {
            assertThat(job(Q, id).path("idemKey").asText()).startsWith("key-");
        }
    }

    @Test
    void aUsedKeyWithAnotherPayloadIs409AndChangesNothing() {
        String id = enqueueId(Q, payload(1), "Idempotency-Key", "key-1");
        Map<String, String> before = snapshot();

        Http.Response replay = enqueue(Q, payload(1), "Idempotency-Key", "key-1");
        Http.Response quoted = enqueue(Q, payload(1), "Idempotency-Key", "\"key-1\"");
        Http.Response conflict = enqueue(Q, payload(2), "Idempotency-Key", "key-1");
        Http.Response otherType = enqueue(Q, "{\"type\":\"other\",\"payload\":{\"n\":1}}", "Idempotency-Key", "key-1");

        for (Http.Response r : List.of(replay, quoted)) {
            assertThat(r.status()).as("replay %s", r).isEqualTo(200);
            assertThat(r.json().path("id").asText()).isEqualTo(id);
            assertThat(r.json().path("replayed").asBoolean()).isTrue();
            assertThat(r.header("Location")).isEqualTo(jobPath(Q, id));
        }
        for (Http.Response r : List.of(conflict, otherType)) {
            JsonNode error = assertError(r, 409, "idempotency_conflict");
            assertThat(error.path("message").asText()).contains("key-1").contains(id);
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    private List<Answer[]> race() throws Exception {
        CountDownLatch ready = new CountDownLatch(CLIENTS);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<Answer[]>> futures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                futures.add(pool.submit(() -> {
                    Http client = new Http(api.port()); // its own connections, like a separate service
                    Answer[] mine = new Answer[KEYS];
                    ready.countDown();
                    go.await();
                    for (int key = 0; key < KEYS; key++) {
                        Http.Response r =
                                client.post(jobsPath(Q), SUBMIT, payload(key), "Idempotency-Key", "key-" + key);
                        JsonNode body = r.json();
                        mine[key] = new Answer(
                                r.status(),
                                body.path("id").asText(),
                                body.path("replayed").asBoolean());
                    }
                    return mine;
                }));
            }
            ready.await();
            go.countDown();
            List<Answer[]> all = new ArrayList<>();
            for (Future<Answer[]> f : futures) all.add(f.get(120, TimeUnit.SECONDS));
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String payload(int n) {
        return "{\"type\":\"race.job\",\"payload\":{\"n\":" + n + "}}";
    }
}
