package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * queues list|stats|depth|pause|resume, workers list and the audit log, run as processes and
 * checked against raw Redis; the redrive into another queue, the attempt reset and --rate.
 */
class QueuesAuditIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    static final Map<String, String> ACTOR = Map.of("JOBFLEET_ACTOR", "alice@ops");

    static JobStore store;

    @BeforeAll
    static void start() {
        store = new JobStore(REDIS.redis(), Retention.DEFAULT);
    }

    static Cli.Result ok(Map<String, String> env, String... args) throws Exception {
        List<String> withUrl = new ArrayList<>(List.of(args));
        withUrl.addAll(List.of("--redis-url", REDIS.url()));
        Cli.Result result = Cli.run(env, withUrl.toArray(String[]::new));
        assertThat(result.exitCode())
                .as(String.join(" ", args) + ": " + result.stderr())
                .isZero();
        return result;
    }

    static Cli.Result ok(String... args) throws Exception {
        return ok(Map.of(), args);
    }

    static JsonNode json(String... args) throws Exception {
        return Json.read(ok(args).stdout());
    }

    /** The audit log of one queue, newest first (the tests of this class share one Redis). */
    static List<JsonNode> audit(String queue) throws Exception {
        List<JsonNode> entries = new ArrayList<>();
        ok("audit", "--json", "--limit", "1000")
                .stdout()
                .lines()
                .map(Json::read)
                .forEach(e -> {
                    if (e.get("queue").asText().equals(queue)) entries.add(e);
                });
        return entries;
    }

    static boolean paused(String queue) {
        return TestRedis.<Boolean>raw(
                REDIS.redis(), j -> j.exists(Keys.of(queue).paused()));
    }

    static String enqueue(String queue, String type, Duration delay) {
        NewJob job = NewJob.of(queue, type, Json.read("{}"));
        return store.enqueue(delay == null ? job : job.withDelay(delay)).id();
    }

    @Test
    void depthStatsAndListShowWhatRedisHolds() throws Exception {
        String q = "depths";
        for (int i = 0; i < 7; i++) enqueue(q, "noop", null);
        enqueue(q, "noop", Duration.ofHours(1));
        DeadJobs.seedMany(REDIS.redis(), q, 4);

        Cli.Result depth = ok("queues", "depth", q);
        assertThat(depth.stdout())
                .isEqualTo(TestRedis.raw(REDIS.redis(), j -> j.llen(Keys.of(q).pending())) + "\n");
        assertThat(depth.stdout()).isEqualTo("7\n");
        assertThat(ok("queues", "depth", "never-used").stdout()).isEqualTo("0\n");

        JsonNode stats = json("queues", "stats", q, "--json");
        assertThat(stats.get("queue").asText()).isEqualTo(q);
        assertThat(stats.get("pending").asLong()).isEqualTo(7);
        assertThat(stats.get("active").asLong()).isZero();
        assertThat(stats.get("scheduled").asLong()).isEqualTo(1);
        assertThat(stats.get("dead").asLong()).isEqualTo(4);
        assertThat(stats.get("paused").asBoolean()).isFalse();
        assertThat(stats.get("oldestPendingAgeMs").asLong()).isGreaterThanOrEqualTo(0);
        for (String window : List.of("last1m", "last5m", "last15m"))
            assertThat(stats.get(window).has("succeeded")).as(window).isTrue();
        assertThat(stats.get("counters").get("dead").asLong()).isEqualTo(4);
        Cli.Result text = ok("queues", "stats", q);
        assertThat(text.stdout()).contains("queue " + q + "\n", "pending 7, active 0, scheduled 1, dead 4", "last 15m");

        JsonNode list = json("queues", "list", "--json");
        JsonNode mine = null;
        for (JsonNode c : list) if (c.get("queue").asText().equals(q)) mine = c;
        assertThat(mine).as("queues list has %s: %s", q, list).isNotNull();
        assertThat(mine.get("pending").asLong()).isEqualTo(7);
        assertThat(mine.get("scheduled").asLong()).isEqualTo(1);
        assertThat(mine.get("dead").asLong()).isEqualTo(4);
        assertThat(ok("queues", "list").stdout()).contains("QUEUE", "PENDING", "DEAD", "OLDEST");
    }

    @Test
    void statsCountEveryWaitingJobAndShowEachLimitWithItsUsageAndJobShowWhatAJobWaitsFor() throws Exception {
        String q = "limited";
        Keys k = Keys.of(q);
        String waiting = enqueue(q, "embed", null);
        enqueue(q, "embed", null);
        // flow-control state as the claim script leaves it (written raw: the views only read it)
        TestRedis.raw(REDIS.redis(), j -> j.lpush(k.pending(), "@g:t1"));
        TestRedis.raw(REDIS.redis(), j -> j.zadd(k.prioritized(), Map.of("p1", 1.0, "p2", 2.0, "p3", 3.0)));
        TestRedis.raw(REDIS.redis(), j -> j.hset(k.groups(), Map.of("t1", "4")));
        TestRedis.raw(REDIS.redis(), j -> j.zadd(k.throttled(), 1.0, "type:embed"));
        TestRedis.raw(REDIS.redis(), j -> j.rpush(k.parked("type:embed"), "x1", "x2"));
        TestRedis.raw(REDIS.redis(), j -> j.hset(k.limits(), Map.of("c:type:embed", "2", "r:key:*", "10 60000")));
        TestRedis.raw(REDIS.redis(), j -> j.sadd(k.running("type:embed"), "r1", "r2"));
        TestRedis.raw(REDIS.redis(), j -> j.hset(k.throttledBy(), Map.of("type:embed", "7")));
        TestRedis.raw(REDIS.redis(), j -> j.hset(k.job(waiting), "waitingFor", "type:embed"));

        JsonNode stats = json("queues", "stats", q, "--json");
        assertThat(stats.get("pending").asLong())
                .as("list 3 + prioritized 3 + grouped 4 + parked 2")
                .isEqualTo(12);
        assertThat(stats.get("prioritized").asLong()).isEqualTo(3);
        assertThat(stats.get("grouped").asLong()).isEqualTo(4);
        assertThat(stats.get("parked").asLong()).isEqualTo(2);
        assertThat(ok("queues", "depth", q).stdout()).as("the KEDA list alone").isEqualTo("3\n");
        Map<String, JsonNode> limits = new java.util.TreeMap<>();
        for (JsonNode l : stats.get("limits"))
            limits.put(l.get("scope").asText() + " " + l.get("kind").asText(), l);
        assertThat(limits).containsOnlyKeys("type:embed concurrency", "key:* rate");
        JsonNode embed = limits.get("type:embed concurrency");
        assertThat(embed.get("limit").asLong()).isEqualTo(2);
        assertThat(embed.get("used").asLong()).isEqualTo(2);
        assertThat(embed.get("usage").asDouble()).isEqualTo(1.0);
        assertThat(embed.get("throttled").asLong()).isEqualTo(7);
        JsonNode perKey = limits.get("key:* rate");
        assertThat(perKey.get("limit").asLong()).isEqualTo(10);
        assertThat(perKey.get("periodMs").asLong()).isEqualTo(60_000);
        assertThat(perKey.has("used")).as("a wildcard holds for each key apart").isFalse();

        String text = ok("queues", "stats", q).stdout();
        assertThat(text)
                .contains("pending 12, active 0", "of the pending: 3 prioritized, 4 in groups, 2 parked by a limit")
                .containsPattern("LIMIT +KIND +USED +OF +USAGE +THROTTLED")
                .containsPattern("type:embed +concurrency +2 +2 +100% +7")
                .containsPattern("key:\\* +rate +- +10 per 1m each +- +0");
        assertThat(ok("queues", "list").stdout()).containsPattern(q + " +12 ");

        JsonNode shown = Json.read(ok("job", "show", q, waiting).stdout());
        assertThat(shown.get("waitingFor").asText()).isEqualTo("waiting for limit type:embed (concurrency 2/2)");
        String other = enqueue(q, "embed", null);
        assertThat(Json.read(ok("job", "show", q, other).stdout()).has("waitingFor"))
                .isFalse();
        String plain = ok("queues", "stats", "depths").stdout();
        assertThat(plain).doesNotContain("LIMIT", "of the pending");
    }

    @Test
    void pauseAndResumeFlipTheFlagAndEveryMutationIsAudited() throws Exception {
        String q = "audited";
        List<String> ids = DeadJobs.seedMany(REDIS.redis(), q, 10);
        TestRedis.raw(REDIS.redis(), j -> j.hset(Keys.of(q).job(ids.get(0)), "type", "other"));

        ok(ACTOR, "queues", "pause", q);
        assertThat(paused(q)).isTrue();
        assertThat(json("queues", "stats", q, "--json").get("paused").asBoolean())
                .isTrue();
        assertThat(ok("queues", "stats", q).stdout()).contains("(PAUSED)");
        ok(ACTOR, "queues", "resume", q);
        assertThat(paused(q)).isFalse();

        ok(ACTOR, "dlq", "requeue", q, "--type", "partner.sync", "--min-attempts", "3");
        ok(ACTOR, "dlq", "purge", q, "--all", "--yes");
        String scheduled = enqueue(q, "noop", Duration.ofHours(1));
        ok(ACTOR, "job", "cancel", q, scheduled);
        ok("queues", "pause", q); // no JOBFLEET_ACTOR: user@host (cli)
        ok(ACTOR, "dlq", "requeue", q, "--all"); // nothing left to move: no entry

        List<JsonNode> log = audit(q);
        assertThat(log).hasSize(6);
        assertThat(log.stream().map(e -> e.get("action").asText()))
                .containsExactly("pause", "cancel", "purge", "requeue", "resume", "pause");
        for (JsonNode e : log) {
            assertThat(e.get("queue").asText()).isEqualTo(q);
            assertThat(e.get("at").asLong()).isPositive();
        }
        assertThat(log.get(0).get("actor").asText()).matches(".+@.+ \\(cli\\)");
        for (JsonNode e : log.subList(1, 6)) assertThat(e.get("actor").asText()).isEqualTo("alice@ops");
        assertThat(log.get(1).get("count").asLong()).isEqualTo(1);
        assertThat(log.get(1).get("detail").get("id").asText()).isEqualTo(scheduled);
        assertThat(log.get(1).get("detail").get("was").asText()).isEqualTo("SCHEDULED");
        assertThat(log.get(2).get("count").asLong()).isEqualTo(1);
        assertThat(log.get(2).get("detail").get("all").asBoolean()).isTrue();
        assertThat(log.get(3).get("count").asLong()).isEqualTo(9);
        assertThat(log.get(3).get("detail").get("type").asText()).isEqualTo("partner.sync");
        assertThat(log.get(3).get("detail").get("minAttempts").asInt()).isEqualTo(3);
        assertThat(log.get(4).get("count").asLong()).isZero();

        Cli.Result table = ok("audit");
        assertThat(table.stdout().lines().findFirst().orElseThrow())
                .startsWith("WHEN")
                .contains("ACTOR", "ACTION");
        assertThat(table.stdout()).contains("alice@ops", "requeue", "\"partner.sync\"");
        assertThat(ok("audit", "--json", "--limit", "2").stdout().lines()).hasSize(2);
        assertThat(ok("audit", "--json", "--limit", "2").stdout().lines().findFirst())
                .hasValueSatisfying(
                        l -> assertThat(Json.read(l).get("action").asText()).isEqualTo("pause"));
    }

    @Test
    void redriveIntoAnotherQueueMovesEachJobExactlyOnceEvenWhenRunTwice() throws Exception {
        String from = "redrive-from";
        String to = "redrive-to";
        List<String> ids = DeadJobs.seedMany(REDIS.redis(), from, 2_500);
        // a first run cut off between its two steps: 300 jobs already copied, not yet removed here
        List<NewJob> copied = new ArrayList<>();
        for (String id : ids.subList(0, 300))
            copied.add(NewJob.of(to, "partner.sync", Json.read("{}")).withId(id));
        store.enqueue(copied, 0);

        ok(ACTOR, "dlq", "requeue", from, "--all", "--to-queue", to);
        ok(ACTOR, "dlq", "requeue", from, "--all", "--to-queue", to);

        List<String> pending = DeadJobs.pending(REDIS.redis(), to);
        assertThat(pending).hasSize(2_500);
        assertThat(new HashSet<>(pending)).isEqualTo(new HashSet<>(ids));
        assertThat(DeadJobs.field(REDIS.redis(), to, ids, "state")).containsOnly("QUEUED");
        assertThat(DeadJobs.deadCount(REDIS.redis(), from)).isZero();
        assertThat(DeadJobs.pending(REDIS.redis(), from)).isEmpty();
        assertThat(DeadJobs.field(REDIS.redis(), from, ids, "state")).containsOnlyNulls();
        JsonNode moved = DeadJobs.hash(REDIS.redis(), to, ids.get(2_000)).isEmpty()
                ? null
                : Json.read(DeadJobs.hash(REDIS.redis(), to, ids.get(2_000)).get("payload"));
        assertThat(moved).isEqualTo(Json.read("{\"account\":2000,\"note\":\"a payload, with \\\"quotes\\\"\"}"));
        assertThat(TestRedis.hash(REDIS.redis(), Keys.of(from).stats())).containsEntry("redriven", "2500");
        JsonNode entry = audit(from).get(0);
        assertThat(entry.get("action").asText()).isEqualTo("requeue");
        assertThat(entry.get("queue").asText()).isEqualTo(from);
        assertThat(entry.get("detail").get("toQueue").asText()).isEqualTo(to);
    }

    @Test
    void resetAttemptsStartsTheJobsAgainFromZero() throws Exception {
        String q = "reset";
        List<String> ids = DeadJobs.seedMany(REDIS.redis(), q, 6);
        ok("dlq", "requeue", q, ids.get(0), ids.get(1), ids.get(2), "--reset-attempts");
        ok("dlq", "requeue", q, ids.get(3), ids.get(4), ids.get(5));

        assertThat(DeadJobs.field(REDIS.redis(), q, ids.subList(0, 3), "attempts"))
                .containsOnly("0");
        assertThat(DeadJobs.field(REDIS.redis(), q, ids.subList(0, 3), "expiries"))
                .containsOnly("0");
        assertThat(DeadJobs.field(REDIS.redis(), q, ids.subList(3, 6), "attempts"))
                .containsOnly("3");
        assertThat(DeadJobs.field(REDIS.redis(), q, ids, "state")).containsOnly("QUEUED");
        assertThat(DeadJobs.field(REDIS.redis(), q, ids, "deadReason")).containsOnlyNulls();
        assertThat(audit(q).get(1).get("detail").get("resetAttempts").asBoolean())
                .isTrue();
    }

    /** --rate paces the redrive; piped, progress comes as plain lines (no carriage returns). */
    @Test
    void rateLimitsTheRedrive() throws Exception {
        String q = "paced";
        DeadJobs.seedMany(REDIS.redis(), q, 600);
        Cli.Result paced = ok("dlq", "requeue", q, "--all", "--rate", "300");
        String last = paced.stderr().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).startsWith("requeued 600/600 (100%)");
        assertThat(paced.stderr()).doesNotContain("\r");
        double seconds = Double.parseDouble(last.replaceAll(".*, ([0-9.]+) s$", "$1"));
        // 600 jobs at 300/s cannot take less than 2 s (a lower bound: a slow machine only adds)
        assertThat(seconds).isGreaterThanOrEqualTo(1.9);
        System.out.printf("RATE --rate 300 moved 600 jobs: '%s'%n", last);
    }

    /** workers list shows a live worker; while its queue is paused it claims nothing, after resume it does. */
    @Test
    void workersListShowsALiveWorkerThatStopsClaimingWhilePaused() throws Exception {
        String q = "live";
        Process worker = Cli.builder(
                        List.of(),
                        "worker",
                        "--queues",
                        q,
                        "--concurrency",
                        "3",
                        "--metrics-port",
                        "-1",
                        "--redis-url",
                        REDIS.url())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            JsonNode workers = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                workers = json("workers", "list", "--json");
                if (workers.size() > 0) break;
                Thread.sleep(200);
            }
            assertThat(workers).hasSize(1);
            JsonNode w = workers.get(0);
            assertThat(w.get("queues").asText()).contains(q);
            assertThat(w.get("slots").asInt()).isEqualTo(3);
            assertThat(w.get("busy").asInt()).isZero();
            assertThat(w.get("pid").asLong()).isEqualTo(worker.pid());
            assertThat(w.get("version").asText()).isNotBlank();
            assertThat(w.get("host").asText()).isNotBlank();
            assertThat(ok("workers", "list").stdout())
                    .contains("BUSY", "0/3", w.get("id").asText());

            ok("queues", "pause", q);
            String id = enqueue(q, "noop", null);
            Thread.sleep(3_000); // the claim script refuses while the flag is set; give the worker time to try
            assertThat(DeadJobs.hash(REDIS.redis(), q, id)).containsEntry("state", "QUEUED");
            assertThat(ok("queues", "depth", q).stdout()).isEqualTo("1\n");

            ok("queues", "resume", q);
            deadline = System.currentTimeMillis() + 20_000;
            while (!"SUCCEEDED".equals(DeadJobs.hash(REDIS.redis(), q, id).get("state"))
                    && System.currentTimeMillis() < deadline) Thread.sleep(100);
            assertThat(DeadJobs.hash(REDIS.redis(), q, id)).containsEntry("state", "SUCCEEDED");
        } finally {
            worker.destroy();
            if (!worker.waitFor(30, TimeUnit.SECONDS)) worker.destroyForcibly();
        }
        assertThat(ok("workers", "list").stdout()).contains("(no live workers)");
    }
}
