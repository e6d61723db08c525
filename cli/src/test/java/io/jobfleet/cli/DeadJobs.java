package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * Dead jobs written straight into Redis, fast, in the shape the scripts leave them: enqueue.lua's
 * fields, claim.lua's token, attempts and worker, then fail.lua's DEAD branch (errors JSON,
 * lastError "class: message", deadReason, finishedAt, and the id in the dead set scored by the time
 * it died). Also reads the raw state back, in pipelined batches, for assertions on 300,000 jobs.
 */
final class DeadJobs {
    private static final int PIPELINE = 5_000;

    private DeadJobs() {}

    /** One dead job to seed. {@code diedAt} is server epoch ms; {@code message} may hold any text. */
    record Spec(String id, String type, String errorClass, String message, int attempts, long diedAt, String payload) {
        String lastError() {
            return errorClass + ": " + (message.length() > 300 ? message.substring(0, 300) : message);
        }

        String deadReason() {
            String simple = errorClass.substring(errorClass.lastIndexOf('.') + 1);
            return attempts >= 3
                    ? "attempts exhausted (" + attempts + " of 3): " + simple + ": " + message
                    : "non-retryable: " + simple + ": " + message;
        }
    }

    /** Writes the jobs (one queue) with pipelined HSET + ZADD, {@value #PIPELINE} a round trip. */
    static void seed(Redis redis, String queue, List<Spec> jobs) {
        Keys keys = Keys.of(queue);
        TestRedis.raw(redis, j -> j.sadd(Keys.queues(), queue));
        for (int from = 0; from < jobs.size(); from += PIPELINE) {
            List<Spec> batch = jobs.subList(from, Math.min(jobs.size(), from + PIPELINE));
            TestRedis.raw(redis, j -> {
                try (AbstractPipeline pipeline = j.pipelined()) {
                    for (Spec job : batch) {
                        pipeline.hset(keys.job(job.id()), fields(job));
                        pipeline.zadd(keys.dead(), job.diedAt(), job.id());
                    }
                    pipeline.hincrBy(keys.stats(), "dead", batch.size());
                    pipeline.sync();
                }
                return null;
            });
        }
    }

    /** {@code count} dead jobs of type "partner.sync", dead one ms apart ending a minute ago; returns their ids. */
    static List<String> seedMany(Redis redis, String queue, int count) {
        long now = redis.serverTimeMs();
        List<Spec> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            jobs.add(new Spec(
                    String.format("d%07d", i),
                    "partner.sync",
                    "java.net.http.HttpTimeoutException",
                    "partner API timed out after 30000 ms",
                    3,
                    now - 60_000 - count + i,
                    "{\"account\":" + i + ",\"note\":\"a payload, with \\\"quotes\\\"\"}"));
        }
        seed(redis, queue, jobs);
        return jobs.stream().map(Spec::id).toList();
    }

    static Map<String, String> fields(Spec job) {
        long created = job.diedAt() - 60_000;
        List<Map<String, Object>> errors = new ArrayList<>();
        for (int attempt = 1; attempt <= job.attempts(); attempt++) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("attempt", attempt);
            error.put("errorClass", job.errorClass());
            error.put("message", job.message());
            error.put(
                    "stack",
                    job.errorClass() + ": " + job.message() + "\n\tat io.example.Partner.call(Partner.java:42)\n");
            error.put("worker", "host-1:4242:w1");
            error.put("at", job.diedAt() - (job.attempts() - attempt) * 1_000L);
            errors.add(error);
        }
        Map<String, String> f = new LinkedHashMap<>();
        f.put("state", "DEAD");
        f.put("createdAt", Long.toString(created));
        f.put("type", job.type());
        f.put("payload", job.payload());
        f.put("maxAttempts", "3");
        f.put("enqueuedAt", Long.toString(created));
        f.put("token", Integer.toString(job.attempts()));
        f.put("attempts", Integer.toString(job.attempts()));
        f.put("worker", "host-1:4242:w1");
        f.put("startedAt", Long.toString(job.diedAt() - 5));
        f.put("closedToken", Integer.toString(job.attempts()));
        f.put("errors", Json.write(errors));
        f.put("errorsDropped", "0");
        f.put("lastError", job.lastError());
        f.put("finishedAt", Long.toString(job.diedAt()));
        f.put("deadReason", job.deadReason());
        return f;
    }

    static List<String> pending(Redis redis, String queue) {
        return TestRedis.raw(redis, j -> j.lrange(Keys.of(queue).pending(), 0, -1));
    }

    static long pendingCount(Redis redis, String queue) {
        return TestRedis.raw(redis, j -> j.llen(Keys.of(queue).pending()));
    }

    static Set<String> dead(Redis redis, String queue) {
        return new HashSet<>(TestRedis.raw(redis, j -> j.zrange(Keys.of(queue).dead(), 0, -1)));
    }

    static long deadCount(Redis redis, String queue) {
        return TestRedis.raw(redis, j -> j.zcard(Keys.of(queue).dead()));
    }

    /** One field of many job hashes, pipelined; null where the job or field is missing. */
    static List<String> field(Redis redis, String queue, List<String> ids, String field) {
        Keys keys = Keys.of(queue);
        List<String> values = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += PIPELINE) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + PIPELINE));
            values.addAll(TestRedis.raw(redis, j -> {
                try (AbstractPipeline pipeline = j.pipelined()) {
                    List<Response<String>> replies = new ArrayList<>(batch.size());
                    for (String id : batch) replies.add(pipeline.hget(keys.job(id), field));
                    pipeline.sync();
                    return replies.stream().map(Response::get).toList();
                }
            }));
        }
        return values;
    }

    /**
     * Up to 10 values that differ from {@code expected}: a linear check for 300,000 values (AssertJ's
     * containsOnly compares each with each).
     */
    static List<String> otherThan(List<String> values, String expected) {
        return values.stream()
                .filter(v -> !Objects.equals(v, expected))
                .limit(10)
                .toList();
    }

    static Map<String, String> hash(Redis redis, String queue, String id) {
        return TestRedis.hash(redis, Keys.of(queue).job(id));
    }
}
