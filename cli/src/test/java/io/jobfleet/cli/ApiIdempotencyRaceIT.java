package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.api.Tokens;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fault 7 of the fault suite: 8 {@code jobfleet api} processes on one Redis, and client threads
 * sending the same idempotency keys to all 8 at once, as single enqueues (even keys) and as batch
 * items (odd keys, 10 a batch), while a worker drains the queue. Then, for a third of the keys,
 * the same key with a different payload (must be 409 naming the key's job) raced against the
 * original payload again (must be 200, replayed). Checked after the drain, in the columns of the
 * worker fault suite's history checker: every key has exactly one job, in Redis and in what ran;
 * every 200/201 for a key names that job; exactly one 201 per key; every acknowledged job ran and
 * succeeded; nothing left in the queue.
 */
class ApiIdempotencyRaceIT {
    private static final String Q = "race";
    private static final String TYPE = "race";
    private static final int APIS = 8;
    private static final int KEYS = 800;
    private static final int BATCH = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One answer about one key: HTTP (or batch item) status and the job id it names (status -1: no
     * answer), and when the request was sent and answered (System.nanoTime).
     */
    private record Answer(int api, boolean conflicting, int status, String id, long sentNs, long answeredNs) {}

    private final Map<String, List<Answer>> answers = new ConcurrentHashMap<>();
    private final Map<String, List<String>> executions = new ConcurrentHashMap<>(); // job id -> keys, per run
    private final AtomicInteger unknownTries = new AtomicInteger();
    private final List<String> examples = new CopyOnWriteArrayList<>();

    @Test
    void eightApiProcessesRacingOnTheSameKeysMakeOneJobPerKey() throws Exception {
        long started = System.nanoTime();
        List<Process> apis = new ArrayList<>();
        try (EmbeddedRedis server = TestRedis.start()) {
            List<URI> bases = new ArrayList<>();
            for (int n = 0; n < APIS; n++) {
                int port;
                try (var socket = new java.net.ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
                ProcessBuilder builder = Cli.builder(
                                List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                                "api",
                                "--host",
                                "127.0.0.1",
                                "--port",
                                Integer.toString(port),
                                "--redis-url",
                                server.url())
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                builder.environment().put("JOBFLEET_API_TOKENS", "race submit " + Tokens.hash("race-secret"));
                apis.add(builder.start());
                bases.add(URI.create("http://127.0.0.1:" + port));
            }
            for (Process api : apis) awaitStarted(api);
            long startupMs = (System.nanoTime() - started) / 1_000_000;

            try (Redis redis = Redis.connect(RedisSettings.fromUrl(server.url()).withPoolSize(8));
                    Worker worker = new Worker(
                            redis,
                            WorkerConfig.builder()
                                    .id("drain")
                                    .queues(Q)
                                    .concurrency(8)
                                    .build(),
                            new Handlers().add(recorder()))) {
                worker.start();
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .executor(Executors.newFixedThreadPool(4))
                        .build();
                ExecutorService clients = Executors.newFixedThreadPool(32);
                try {
                    // phase 1: every key, to all 8 APIs at once
                    List<Runnable> race = new ArrayList<>();
                    for (int k = 0; k < KEYS; k += BATCH) {
                        int from = k;
                        for (int api = 0; api < APIS; api++) {
                            int a = api;
                            race.add(() -> batch(http, bases, a, from));
                            for (int j = from; j < from + BATCH; j += 2) {
                                int key = j;
                                race.add(() -> single(http, bases, a, key, false));
                            }
                        }
                    }
                    runAll(clients, race);
                    // phase 2: a third of the keys again, with another payload and with the same one
                    List<Runnable> conflicts = new ArrayList<>();
                    for (int k = 0; k < KEYS; k += 3) {
                        int key = k;
                        for (int api = 0; api < APIS; api++) {
                            int a = api;
                            conflicts.add(() -> single(http, bases, a, key, a % 2 == 0));
                        }
                    }
                    runAll(clients, conflicts);
                } finally {
                    clients.shutdownNow();
                }
                long sentMs = (System.nanoTime() - started) / 1_000_000;

                QueueStore queues = new QueueStore(redis);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                QueueCounts counts = queues.counts(Q);
                while ((counts.pending() + counts.active() + counts.scheduled()) > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    counts = queues.counts(Q);
                }
                check(redis, counts, startupMs, sentMs, (System.nanoTime() - started) / 1_000_000);
            }
        } finally {
            apis.forEach(Process::destroyForcibly);
        }
    }

    private static void awaitStarted(Process api) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(api.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertThat(first).as("first line of jobfleet api").startsWith("jobfleet API on http://127.0.0.1:");
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (java.io.IOException e) {
                // the process is gone
            }
        });
    }

    private static void runAll(ExecutorService pool, List<Runnable> tasks) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(tasks.size());
        for (Runnable task : tasks)
            pool.execute(() -> {
                try {
                    task.run();
                } finally {
                    done.countDown();
                }
            });
        assertThat(done.await(120, TimeUnit.SECONDS))
                .as("all requests answered")
                .isTrue();
    }

    private JobHandler recorder() {
        return new JobHandler() {
            @Override
            public String type() {
                return TYPE;
            }

            @Override
            public Object handle(JobContext ctx) {
                executions
                        .computeIfAbsent(ctx.id(), id -> new CopyOnWriteArrayList<>())
                        .add(ctx.payload().path("key").asText());
                return null;
            }
        };
    }

    private static String key(int n) {
        return "race-key-" + n;
    }

    private static ObjectNode job(int n, boolean conflicting) {
        ObjectNode payload = JSON.createObjectNode().put("key", key(n));
        if (conflicting) payload.put("variant", "other");
        ObjectNode job = JSON.createObjectNode().put("type", TYPE);
        job.set("payload", payload);
        return job;
    }

    private void single(HttpClient http, List<URI> bases, int api, int n, boolean conflicting) {
        HttpRequest request = HttpRequest.newBuilder(bases.get(api).resolve("/v1/queues/" + Q + "/jobs"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer race-secret")
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key(n))
                .POST(HttpRequest.BodyPublishers.ofString(job(n, conflicting).toString()))
                .build();
        long sent = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            String id = response.statusCode() == 409
                    ? idIn(body.path("error").path("message").asText())
                    : body.path("id").asText(null);
            record(n, new Answer(api, conflicting, response.statusCode(), id, sent, System.nanoTime()));
        } catch (Exception e) {
            unknownTries.incrementAndGet();
            record(n, new Answer(api, conflicting, -1, null, sent, System.nanoTime()));
            example("no answer from api " + api + " for " + key(n) + ": " + e);
        }
    }

    private void batch(HttpClient http, List<URI> bases, int api, int from) {
        ArrayNode jobs = JSON.createArrayNode();
        List<Integer> keys = new ArrayList<>();
        for (int n = from + 1; n < from + BATCH; n += 2) { // the odd keys of this group
            jobs.add(job(n, false).put("idempotencyKey", key(n)));
            keys.add(n);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("jobs", jobs);
        HttpRequest request = HttpRequest.newBuilder(bases.get(api).resolve("/v1/queues/" + Q + "/jobs/batch"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer race-secret")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        long sent = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long answered = System.nanoTime();
            if (response.statusCode() != 200) {
                example("batch to api " + api + ": " + response.statusCode() + " " + response.body());
                for (int n : keys) record(n, new Answer(api, false, response.statusCode(), null, sent, answered));
                return;
            }
            JsonNode results = JSON.readTree(response.body()).path("results");
            for (int i = 0; i < keys.size(); i++) {
                JsonNode item = results.get(i);
                record(
                        keys.get(i),
                        new Answer(
                                api,
                                false,
                                item.path("status").asInt(),
                                item.path("id").asText(null),
                                sent,
                                answered));
            }
        } catch (Exception e) {
            unknownTries.incrementAndGet();
            for (int n : keys) record(n, new Answer(api, false, -1, null, sent, System.nanoTime()));
            example("no answer from api " + api + " for batch from " + key(from) + ": " + e);
        }
    }

    /** The job id a 409's message names: "... already used for job '<id>' ...". */
    private static String idIn(String message) {
        int at = message.indexOf("for job '");
        if (at < 0) return null;
        int start = at + "for job '".length();
        return message.substring(start, message.indexOf('\'', start));
    }

    private void record(int n, Answer answer) {
        answers.computeIfAbsent(key(n), k -> new CopyOnWriteArrayList<>()).add(answer);
    }

    private void example(String text) {
        if (examples.size() < 10) examples.add(text);
    }

    /** Whether the request that created the key's job was in flight while another API was asked for the key. */
    private static boolean raced(List<Answer> got) {
        for (Answer first : got) {
            if (first.status() != 201) continue;
            for (Answer other : got) {
                if (other.api() != first.api()
                        && other.sentNs() < first.answeredNs()
                        && first.sentNs() < other.answeredNs()) return true;
            }
        }
        return false;
    }

    private void check(Redis redis, QueueCounts left, long startupMs, long sentMs, long totalMs) {
        // the jobs in Redis, grouped by the idempotency key they carry
        Map<String, Set<String>> jobsInRedis = new HashMap<>();
        Map<String, String> states = new HashMap<>();
        String prefix = Keys.of(Q).prefix() + "job:";
        TestRedis.raw(redis, j -> {
            for (String jobKey : j.keys(prefix + "*")) {
                List<String> f = j.hmget(jobKey, "idemKey", "state");
                String id = jobKey.substring(prefix.length());
                jobsInRedis.computeIfAbsent(f.get(0), k -> new HashSet<>()).add(id);
                states.put(id, f.get(1));
            }
            return null;
        });
        Map<String, Set<String>> executedIdsOfKey = new HashMap<>();
        executions.forEach((id, keys) -> keys.forEach(
                k -> executedIdsOfKey.computeIfAbsent(k, x -> new HashSet<>()).add(id)));

        int acknowledged = 0, unknown = 0, replayed = 0, lost = 0, splitKeys = 0, unexpected = 0;
        int wrongIds = 0, created = 0, conflicts = 0, wrongStatus = 0, racedKeys = 0;
        Set<String> answeredIds = new HashSet<>();
        for (int n = 0; n < KEYS; n++) {
            String key = key(n);
            List<Answer> got = answers.getOrDefault(key, List.of());
            Set<String> jobs = new HashSet<>(jobsInRedis.getOrDefault(key, Set.of()));
            jobs.addAll(executedIdsOfKey.getOrDefault(key, Set.of()));
            if (jobs.size() != 1) {
                splitKeys++;
                example("key " + key + " has jobs " + jobs);
            }
            Set<String> acked = new HashSet<>();
            int createdForKey = 0;
            for (Answer a : got) {
                if (a.id() != null) answeredIds.add(a.id());
                switch (a.status()) {
                    case 201, 200 -> {
                        acked.add(a.id());
                        if (a.status() == 201) createdForKey++;
                        else replayed++;
                        if (a.conflicting()) wrongStatus++;
                    }
                    case 409 -> {
                        conflicts++;
                        if (!a.conflicting()) wrongStatus++;
                        if (!jobs.contains(a.id())) wrongIds++;
                    }
                    case -1 -> {}
                    default -> {
                        wrongStatus++;
                        example("key " + key + ": status " + a.status() + " from api " + a.api());
                    }
                }
                if (a.conflicting() && a.status() != 409)
                    example("key " + key + ": conflicting payload got " + a.status());
            }
            created += createdForKey;
            if (raced(got)) racedKeys++;
            if (createdForKey != 1) example("key " + key + ": " + createdForKey + " answers of 201");
            if (acked.size() > 1 || (!acked.isEmpty() && !jobs.containsAll(acked))) {
                wrongIds++;
                example("key " + key + ": 200/201 answers name " + acked + ", jobs " + jobs);
            }
            if (acked.isEmpty()) {
                if (got.stream().anyMatch(a -> a.status() == -1)) unknown++;
                continue;
            }
            acknowledged++;
            for (String id : acked) {
                boolean ran = executions.containsKey(id);
                if (!ran || !"SUCCEEDED".equals(states.get(id))) {
                    lost++;
                    example("lost " + id + " (key " + key + ") state " + states.get(id) + ", ran " + ran);
                }
            }
        }
        for (String id : executions.keySet()) {
            if (!answeredIds.contains(id)) {
                unexpected++;
                example("unexpected execution of " + id);
            }
        }
        long stuck = left.pending() + left.active() + left.scheduled();
        long runs = executions.values().stream().mapToLong(List::size).sum();
        long duplicates = runs - executions.size();
        int requests = answers.values().stream().mapToInt(List::size).sum();

        String fault = "8 APIs same keys";
        System.out.println("FAULT TABLE "
                + String.format(
                        "%-22s %8s %8s %9s %8s %5s %6s %11s %11s %11s %9s",
                        "fault",
                        "N(acked)",
                        "unknown",
                        "U-tries",
                        "replayed",
                        "lost",
                        "stuck",
                        "unexpected",
                        "keys>1 job",
                        "executions",
                        "dup/10k"));
        System.out.println("FAULT TABLE "
                + String.format(
                        "%-22s %8d %8d %9d %8d %5d %6d %11d %11d %11d %9.1f",
                        fault,
                        acknowledged,
                        unknown,
                        unknownTries.get(),
                        replayed,
                        lost,
                        stuck,
                        unexpected,
                        splitKeys,
                        runs,
                        acknowledged == 0 ? 0 : duplicates * 10_000.0 / acknowledged));
        System.out.printf(
                "FAULT TABLE api-idempotency-race: %d API processes, %d keys, %d key answers (%d of 201, %d of 200,"
                        + " %d of 409), answers naming another job %d, wrong statuses %d; keys whose creating request"
                        + " overlapped one to another API %d; API startup %d ms, requests done at %d ms, drained and"
                        + " checked at %d ms%n",
                APIS,
                KEYS,
                requests,
                created,
                replayed,
                conflicts,
                wrongIds,
                wrongStatus,
                racedKeys,
                startupMs,
                sentMs,
                totalMs);
        examples.forEach(e -> System.out.println("FAULT TABLE   example: " + e));

        assertThat(acknowledged).as("keys acknowledged").isEqualTo(KEYS);
        assertThat(unknownTries.get())
                .as("requests with no answer: %s", examples)
                .isZero();
        assertThat(splitKeys).as("keys with other than one job: %s", examples).isZero();
        assertThat(created).as("answers of 201 (one per key): %s", examples).isEqualTo(KEYS);
        assertThat(wrongIds)
                .as("answers naming another job than the key's: %s", examples)
                .isZero();
        assertThat(wrongStatus).as("unexpected statuses: %s", examples).isZero();
        assertThat(conflicts).as("409 answers to the conflicting payloads").isEqualTo(((KEYS + 2) / 3) * APIS / 2);
        assertThat(racedKeys).as("keys raced across APIs").isPositive();
        assertThat(lost).as("lost jobs: %s", examples).isZero();
        assertThat(stuck).as("jobs left in the queue after the drain").isZero();
        assertThat(unexpected).as("unexpected executions: %s", examples).isZero();
    }
}
