package io.jobfleet.worker.faults;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;

/**
 * The fault suite's base ({@link FaultTestBase}) with what the flow-control tests add: limits
 * written to the queue's {@code limits} hash as the spec lays it out, {@link FlowWorker} JVMs,
 * batches enqueued with a producer history {@link HistoryChecker} can check, and waits on the
 * handlers' history.
 */
abstract class FlowTestBase extends FaultTestBase {
    private HistoryLog producer;
    private int batches;

    @AfterEach
    void closeProducer() {
        if (producer != null) producer.close();
        producer = null;
    }

    /** Sets one field of the queue's limits: {@code c:<scope>} = "N", {@code r:<scope>} = "N periodMs". */
    protected void limit(String queue, String field, String value) {
        TestRedis.raw(redis, j -> j.hset(Keys.of(queue).limits(), field, value));
    }

    /** A {@link FlowWorker} JVM, not waited for; killed after the test. */
    protected ChildWorker launchFlow(String id, String... options) {
        return launchFleet(FlowWorker.class, server.url(), Map.of(), id, options);
    }

    /** A job of {@code type} whose handler sleeps {@code ms}; {@code key} names it in the history. */
    protected static NewJob job(String queue, String type, String key, long ms) {
        ObjectNode payload =
                JsonNodeFactory.instance.objectNode().put("key", key).put("ms", ms);
        return NewJob.of(queue, type, payload);
    }

    /**
     * Enqueues {@code count} jobs ({@code job} given each index) in batches of 1,000, each
     * written to a producer history first, so {@link HistoryChecker} knows them; returns their ids.
     */
    protected List<String> enqueue(int count, Function<Integer, NewJob> job) {
        if (producer == null) producer = new HistoryLog(history.resolve("producer-flow.log"));
        List<String> ids = new ArrayList<>(count);
        for (int from = 0; from < count; from += 1_000) {
            List<NewJob> batch = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 1_000); i++) {
                NewJob next = job.apply(i);
                String key = next.payload().path("key").asText();
                String id = "j" + batches + "-" + i;
                producer.append("T", key, id);
                batch.add(next.withId(id));
            }
            List<EnqueueResult> results = store.enqueue(batch, 0);
            for (int i = 0; i < batch.size(); i++) {
                String key = batch.get(i).payload().path("key").asText();
                producer.append("A", key, results.get(i).id(), results.get(i).status());
                ids.add(results.get(i).id());
            }
        }
        batches++;
        return ids;
    }

    /** Waits until the handlers' history holds {@code count} lines {@code which} accepts; returns them. */
    protected List<FlowHistory.Line> awaitLines(Duration timeout, int count, Predicate<FlowHistory.Line> which) {
        List<List<FlowHistory.Line>> found = new ArrayList<>(List.of(List.of()));
        Await.until(timeout, count + " history lines", () -> {
            found.set(0, FlowHistory.lines(history).stream().filter(which).toList());
            return found.get(0).size() >= count;
        });
        return found.get(0);
    }

    /** The Redis server's clock, in ms: what the scripts stamp jobs with. */
    protected long redisNowMs() {
        List<?> time = TestRedis.raw(redis, j -> (List<?>) j.eval("return redis.call('TIME')"));
        return Long.parseLong(time.get(0).toString()) * 1_000
                + Long.parseLong(time.get(1).toString()) / 1_000;
    }

    /** One field of a job's hash (null: absent). */
    protected String jobField(String queue, String id, String field) {
        return TestRedis.raw(redis, j -> j.hget(Keys.of(queue).job(id), field));
    }
}
