// The generator of 879d294.jsonl. Not compiled with this repository: it is written against the
// classes of commit 879d294 and runs on that build's jar. See README.md next to it.
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.ClaimedJob;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.WorkerInfo;
import io.jobfleet.common.redis.EmbeddedRedis;
import io.jobfleet.common.redis.EventStore;
import io.jobfleet.common.redis.JobStore;
import io.jobfleet.common.redis.QueueStore;
import io.jobfleet.common.redis.Redis;
import io.jobfleet.common.redis.RedisSettings;
import io.jobfleet.common.redis.WorkerRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.Tuple;

public class Generate879d294 {
    static final String Q = "orders";
    static final String DEAD_WORKER = "old-worker-dead";
    static final ObjectMapper JSON = new ObjectMapper();
    static JobStore store;

    public static void main(String[] args) throws Exception {
        try (EmbeddedRedis server = EmbeddedRedis.start(null, 0, List.of());
                Redis redis = Redis.connect(RedisSettings.fromUrl(server.url()))) {
            store = new JobStore(redis, Retention.DEFAULT);
            QueueStore queues = new QueueStore(redis);
            // claimed states first: claim pops the pending list, so each is claimed while alone there
            ClaimedJob retry1 = enqueueAndClaim(job("retry-1", "fail", obj("times", 1)), Duration.ofMinutes(1));
            store.fail(retry1, error(1, "demo failure (attempt 1)"), 3000, 3, null);
            ClaimedJob retry2 = enqueueAndClaim(job("retry-2", "echo", obj("n", 2)), Duration.ofMinutes(1));
            store.fail(retry2, error(1, "downstream timed out"), 4000, 5, null);
            new EventStore(redis).watch(Q, "active-1");
            ClaimedJob active1 = enqueueAndClaim(job("active-1", "echo", obj("n", 3)), Duration.ofSeconds(3));
            store.recordStep(active1, "charge", "{\"charged\":true}");
            ClaimedJob active2 = enqueueAndClaim(
                    job("active-2", "echo", obj("n", 4)).withIdempotencyKey("idem-active"), Duration.ofSeconds(3));
            store.progress(active2, obj("percent", 50));
            for (String id : List.of("succeeded-1", "succeeded-2")) {
                NewJob j = job(id, "echo", obj("n", 5));
                if (id.endsWith("1")) j = j.withIdempotencyKey("idem-succeeded");
                ClaimedJob c = enqueueAndClaim(j, Duration.ofMinutes(1));
                store.ack(Q, List.of(new JobStore.Ack(c.id(), c.token(), obj("echoed", id))));
            }
            ClaimedJob dead1 = enqueueAndClaim(job("dead-1", "echo", obj("n", 6)), Duration.ofMinutes(1));
            store.fail(dead1, error(1, "bad input"), -1, 3, "non-retryable: bad input");
            ClaimedJob dead2 = enqueueAndClaim(
                    job("dead-2", "echo", obj("n", 7)).withMaxAttempts(1).withIdempotencyKey("idem-dead"),
                    Duration.ofMinutes(1));
            store.fail(dead2, error(1, "out of attempts"), 1000, 3, null);
            ClaimedJob cancelled1 = enqueueAndClaim(job("cancelled-1", "echo", obj("n", 8)), Duration.ofMinutes(1));
            store.cancel(Q, cancelled1.id());
            store.enqueue(job("cancelled-2", "echo", obj("n", 9)));
            store.cancel(Q, "cancelled-2");
            // waiting states
            store.enqueue(job("queued-1", "echo", obj("n", 10)));
            store.enqueue(job("queued-2", "echo", obj("n", 11)).withIdempotencyKey("idem-queued"));
            store.enqueue(job("queued-front", "echo", obj("n", 12)).withHighPriority(true));
            store.enqueue(job("queued-doomed", "fail", obj("nonRetryable", true)));
            store.enqueue(job("delayed-1", "echo", obj("n", 13))
                    .withDelay(Duration.ofSeconds(3))
                    .withIdempotencyKey("idem-delayed"));
            store.enqueue(job("runat-1", "echo", obj("n", 14)).withRunAt(Instant.now().plusSeconds(4)));
            store.enqueue(NewJob.of("held", "echo", obj("n", 15)).withId("held-1"));
            store.enqueue(NewJob.of("held", "echo", obj("n", 16)).withId("held-2"));
            queues.pause("held");
            queues.declarePartitions("parted", 2);
            for (int i = 1; i <= 4; i++) store.enqueue(NewJob.of("parted", "echo", obj("n", 20 + i)).withId("parted-" + i));
            long now = redis.serverTimeMs();
            new WorkerRegistry(redis)
                    .heartbeat(new WorkerInfo(DEAD_WORKER, "old-host", 4242, Q, 4, 2, now, now, "879d294"), Duration.ofSeconds(30));
            System.out.println(JSON.writeValueAsString(
                    JSON.createObjectNode().set("meta", obj("commit", "879d294").put("serverTimeMs", redis.serverTimeMs()))));
            try (Jedis jedis = new Jedis("127.0.0.1", server.port())) {
                for (String key : new TreeSet<>(jedis.keys("*"))) System.out.println(JSON.writeValueAsString(dump(jedis, key)));
            }
        }
    }

    static NewJob job(String id, String type, ObjectNode payload) {
        return NewJob.of(Q, type, payload).withId(id);
    }

    static ClaimedJob enqueueAndClaim(NewJob job, Duration lease) {
        store.enqueue(job);
        List<ClaimedJob> claimed = store.claim(Q, 1, lease, DEAD_WORKER).jobs();
        if (claimed.size() != 1 || !claimed.get(0).id().equals(job.id())) throw new IllegalStateException("claimed " + claimed);
        return claimed.get(0);
    }

    static AttemptError error(int attempt, String message) {
        return new AttemptError(attempt, "java.lang.IllegalStateException", message, "", DEAD_WORKER, 0);
    }

    static ObjectNode obj(String field, Object value) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (value instanceof Integer i) o.put(field, i);
        else if (value instanceof Boolean b) o.put(field, b);
        else o.put(field, String.valueOf(value));
        return o;
    }

    /** One key as {"key", "type", "ttl" (ms, -1 = none), "value"}. */
    static ObjectNode dump(Jedis jedis, String key) {
        ObjectNode line = JSON.createObjectNode().put("key", key);
        String type = jedis.type(key);
        line.put("type", type).put("ttl", jedis.pttl(key));
        switch (type) {
            case "string" -> line.put("value", jedis.get(key));
            case "hash" -> line.set("value", JSON.valueToTree(new TreeMap<>(jedis.hgetAll(key))));
            case "list" -> line.set("value", JSON.valueToTree(jedis.lrange(key, 0, -1)));
            case "set" -> line.set("value", JSON.valueToTree(new TreeSet<>(jedis.smembers(key))));
            case "zset" -> {
                ArrayNode members = line.putArray("value");
                for (Tuple t : jedis.zrangeWithScores(key, 0, -1)) members.addArray().add(t.getElement()).add((long) t.getScore());
            }
            case "stream" -> {
                ArrayNode entries = line.putArray("value");
                for (StreamEntry e : jedis.xrange(key, (StreamEntryID) null, (StreamEntryID) null)) {
                    ObjectNode entry = entries.addObject().put("id", e.getID().toString());
                    entry.set("fields", JSON.valueToTree(new TreeMap<>(e.getFields())));
                }
            }
            default -> throw new IllegalStateException(key + " has type " + type);
        }
        return line;
    }
}
