package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * dlq list, show, requeue, purge and export select exactly the right dead jobs: 81 jobs, every
 * combination of 3 types, 3 errors, 3 ages and 3 attempt counts, checked against the id sets
 * the filters must give, and against the raw Redis state after each mutation.
 */
class DlqFilterIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    static final String[] TYPES = {"email.send", "partner.sync", "report.build"};
    static final String[][] ERRORS = {
        {"java.net.http.HttpTimeoutException", "partner API timed out after 30000 ms"},
        {"java.lang.IllegalStateException", "Partner returned 503 Service Unavailable"},
        {"io.example.ValidationException", "field 'email' is missing"}
    };
    static final long[] AGES = {10 * 60_000L, 3 * 3_600_000L, 2 * 86_400_000L};
    static final int[] ATTEMPTS = {1, 3, 5};

    /** The 81 jobs, in the order they died (oldest first): ids j00..j80 in another order. */
    static List<DeadJobs.Spec> seedMix(String queue) {
        long now = REDIS.redis().serverTimeMs();
        List<DeadJobs.Spec> jobs = new ArrayList<>();
        int n = 0;
        for (String type : TYPES)
            for (String[] error : ERRORS)
                for (long age : AGES)
                    for (int attempts : ATTEMPTS) {
                        jobs.add(new DeadJobs.Spec(
                                String.format("j%02d", n),
                                type,
                                error[0],
                                error[1],
                                attempts,
                                now - age - n, // distinct times: a strict order to check
                                "{\"n\":" + n + "}"));
                        n++;
                    }
        DeadJobs.seed(REDIS.redis(), queue, jobs);
        return jobs.stream()
                .sorted((a, b) -> Long.compare(a.diedAt(), b.diedAt()))
                .toList();
    }

    static List<String> ids(List<DeadJobs.Spec> jobs, Predicate<DeadJobs.Spec> filter) {
        return jobs.stream().filter(filter).map(DeadJobs.Spec::id).toList();
    }

    static Predicate<DeadJobs.Spec> type(String type) {
        return j -> j.type().equals(type);
    }

    static Predicate<DeadJobs.Spec> error(String text) {
        String needle = text.toLowerCase(Locale.ROOT);
        return j -> j.lastError().toLowerCase(Locale.ROOT).contains(needle)
                || j.deadReason().toLowerCase(Locale.ROOT).contains(needle);
    }

    static Predicate<DeadJobs.Spec> olderThanMs(long ms) {
        long cutoff = REDIS.redis().serverTimeMs() - ms;
        return j -> j.diedAt() <= cutoff;
    }

    static Predicate<DeadJobs.Spec> minAttempts(int n) {
        return j -> j.attempts() >= n;
    }

    /** {@code dlq list --json} ids, in the order printed, with every page walked through --cursor. */
    static List<String> listed(String queue, String... filters) throws Exception {
        List<String> ids = new ArrayList<>();
        long cursor = 0;
        do {
            List<String> args = new ArrayList<>(List.of("dlq", "list", queue, "--json", "--redis-url", REDIS.url()));
            args.addAll(List.of(filters));
            args.addAll(List.of("--limit", "20", "--cursor", Long.toString(cursor)));
            JsonNode page = Json.read(Cli.ok(args.toArray(String[]::new)).stdout());
            assertThat(page.get("jobs").size()).isLessThanOrEqualTo(20);
            page.get("jobs").forEach(j -> ids.add(j.get("id").asText()));
            cursor = page.get("next").asLong();
        } while (cursor >= 0);
        return ids;
    }

    @Test
    void listFiltersSelectExactlyTheMatchingJobsOldestDeathFirst() throws Exception {
        String q = "filters";
        List<DeadJobs.Spec> jobs = seedMix(q);

        assertThat(listed(q)).containsExactlyElementsOf(ids(jobs, j -> true));
        assertThat(listed(q, "--type", "partner.sync")).containsExactlyElementsOf(ids(jobs, type("partner.sync")));
        // case-insensitive substring of the error's class or message: "partner API ..." and "Partner returned ..."
        assertThat(listed(q, "--error", "PARTNER")).hasSize(54).containsExactlyElementsOf(ids(jobs, error("PARTNER")));
        assertThat(listed(q, "--error", "timeoutexception"))
                .hasSize(27)
                .containsExactlyElementsOf(ids(jobs, error("timeoutexception")));
        assertThat(listed(q, "--older-than", "2h"))
                .hasSize(54)
                .containsExactlyElementsOf(ids(jobs, olderThanMs(7_200_000)));
        assertThat(listed(q, "--min-attempts", "3")).hasSize(54).containsExactlyElementsOf(ids(jobs, minAttempts(3)));
        assertThat(listed(q, "--type", "report.build", "--older-than", "2h"))
                .hasSize(18)
                .containsExactlyElementsOf(ids(jobs, type("report.build").and(olderThanMs(7_200_000))));
        assertThat(listed(q, "--type", "email.send", "--error", "503", "--older-than", "1d", "--min-attempts", "5"))
                .hasSize(1)
                .containsExactlyElementsOf(ids(
                        jobs,
                        type("email.send")
                                .and(error("503"))
                                .and(olderThanMs(86_400_000))
                                .and(minAttempts(5))));
        assertThat(listed(q, "--type", "no.such.type")).isEmpty();

        Cli.Result table =
                Cli.ok("dlq", "list", q, "--type", "report.build", "--limit", "2", "--redis-url", REDIS.url());
        assertThat(table.stdout().lines().toList())
                .hasSize(4)
                .first()
                .asString()
                .startsWith("ID")
                .contains("LAST ERROR");
        assertThat(table.stdout()).contains("2 shown of 81 dead; next page: --cursor ");
    }

    @Test
    void summaryGroupsByErrorWithCountFirstAndLastSeen() throws Exception {
        String q = "summary";
        List<DeadJobs.Spec> jobs = seedMix(q);

        JsonNode groups = Json.read(Cli.ok("dlq", "list", q, "--summary", "--json", "--redis-url", REDIS.url())
                .stdout());
        assertThat(groups.size()).isEqualTo(3);
        Map<String, long[]> expected = new TreeMap<>();
        for (DeadJobs.Spec j : jobs) {
            long[] g = expected.computeIfAbsent(
                    DlqCommand.normalise(j.lastError()), k -> new long[] {0, Long.MAX_VALUE, 0});
            g[0]++;
            g[1] = Math.min(g[1], j.diedAt());
            g[2] = Math.max(g[2], j.diedAt());
        }
        for (JsonNode g : groups) {
            long[] e = expected.get(g.get("error").asText());
            assertThat(e).as("group %s", g).isNotNull();
            assertThat(g.get("count").asLong()).isEqualTo(27).isEqualTo(e[0]);
            assertThat(g.get("first").asLong()).isEqualTo(e[1]);
            assertThat(g.get("last").asLong()).isEqualTo(e[2]);
        }
        // numbers are folded, so "after 30000 ms" and "after 31000 ms" are one cause
        assertThat(expected).containsKey("java.net.http.HttpTimeoutException: partner API timed out after # ms");

        JsonNode filtered = Json.read(Cli.ok(
                        "dlq",
                        "list",
                        q,
                        "--summary",
                        "--json",
                        "--type",
                        "email.send",
                        "--older-than",
                        "1h",
                        "--redis-url",
                        REDIS.url())
                .stdout());
        assertThat(filtered.size()).isEqualTo(3);
        filtered.forEach(g -> assertThat(g.get("count").asLong()).isEqualTo(6));

        Cli.Result table = Cli.ok("dlq", "list", q, "--summary", "--redis-url", REDIS.url());
        assertThat(table.stdout().lines().findFirst().orElseThrow())
                .startsWith("COUNT")
                .contains("ERROR");
        assertThat(table.stdout()).contains("27  ", "2d ago", "10m ago", "partner API timed out after # ms");
    }

    @Test
    void showPrintsTheWholeRecordAndCanLeaveThePayloadOut() throws Exception {
        String q = "show";
        List<DeadJobs.Spec> jobs = seedMix(q);
        DeadJobs.Spec job =
                jobs.stream().filter(j -> j.attempts() == 5).findFirst().orElseThrow();

        JsonNode shown = Json.read(
                Cli.ok("dlq", "show", q, job.id(), "--redis-url", REDIS.url()).stdout());
        assertThat(shown.get("state").asText()).isEqualTo("DEAD");
        assertThat(shown.get("payload")).isEqualTo(Json.read(job.payload()));
        assertThat(shown.get("errors")).hasSize(5);
        assertThat(shown.get("errors").get(4).get("message").asText()).isEqualTo(job.message());
        assertThat(shown.get("lastError").asText()).isEqualTo(job.lastError());
        assertThat(shown.get("deadReason").asText()).isEqualTo(job.deadReason());

        JsonNode noPayload = Json.read(Cli.ok("dlq", "show", q, job.id(), "--no-payload", "--redis-url", REDIS.url())
                .stdout());
        assertThat(noPayload.has("payload")).isFalse();
        assertThat(noPayload.get("errors")).hasSize(5);

        Cli.Result missing = Cli.run("dlq", "show", q, "nope", "--redis-url", REDIS.url());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.error())
                .isEqualTo("jobfleet: no job 'nope' in queue 'show' (never enqueued, or expired after its retention)");
    }

    @Test
    void requeueByFilterMovesExactlyThoseAndDryRunMovesNothing() throws Exception {
        String q = "requeue-filter";
        List<DeadJobs.Spec> jobs = seedMix(q);
        Set<String> all = new HashSet<>(ids(jobs, j -> true));

        Cli.Result dry = Cli.ok("dlq", "requeue", q, "--type", "email.send", "--dry-run", "--redis-url", REDIS.url());
        assertThat(dry.stdout().lines().map(l -> l.split(" ")[0]).toList())
                .containsExactlyElementsOf(ids(jobs, type("email.send")));
        assertThat(dry.stderr()).contains("would be requeued: 27");
        assertThat(DeadJobs.dead(REDIS.redis(), q)).isEqualTo(all);
        assertThat(DeadJobs.pending(REDIS.redis(), q)).isEmpty();
        assertThat(DeadJobs.field(REDIS.redis(), q, List.copyOf(all), "state")).containsOnly("DEAD");

        List<String> chosen = ids(jobs, type("partner.sync").and(error("503")));
        Cli.Result moved =
                Cli.ok("dlq", "requeue", q, "--type", "partner.sync", "--error", "503", "--redis-url", REDIS.url());
        assertThat(moved.stderr()).contains("requeued 9");
        assertThat(DeadJobs.pending(REDIS.redis(), q)).hasSize(9).containsExactlyInAnyOrderElementsOf(chosen);
        assertThat(DeadJobs.field(REDIS.redis(), q, chosen, "state")).containsOnly("QUEUED");
        Set<String> rest = new HashSet<>(all);
        chosen.forEach(rest::remove);
        assertThat(DeadJobs.dead(REDIS.redis(), q)).isEqualTo(rest);
        assertThat(DeadJobs.field(REDIS.redis(), q, List.copyOf(rest), "state")).containsOnly("DEAD");

        // the same command again finds nothing left to move: nothing is pushed twice
        Cli.ok("dlq", "requeue", q, "--type", "partner.sync", "--error", "503", "--redis-url", REDIS.url());
        assertThat(DeadJobs.pending(REDIS.redis(), q)).hasSize(9);

        // by id: a dead one moves, one already requeued and an unknown one do not
        String deadOne = rest.iterator().next();
        Cli.Result byId = Cli.ok("dlq", "requeue", q, deadOne, chosen.get(0), "nope", "--redis-url", REDIS.url());
        assertThat(byId.stderr()).contains("requeued 1");
        assertThat(DeadJobs.pending(REDIS.redis(), q)).hasSize(10).containsOnlyOnce(deadOne, chosen.get(0));
    }

    @Test
    void purgeByFilterDeletesExactlyThose() throws Exception {
        String q = "purge-filter";
        List<DeadJobs.Spec> jobs = seedMix(q);
        Set<String> all = new HashSet<>(ids(jobs, j -> true));

        Cli.Result dry = Cli.ok("dlq", "purge", q, "--older-than", "1d", "--dry-run", "--redis-url", REDIS.url());
        assertThat(dry.stdout().lines().count()).isEqualTo(27);
        assertThat(DeadJobs.dead(REDIS.redis(), q)).isEqualTo(all);

        List<String> chosen = ids(jobs, olderThanMs(86_400_000).and(minAttempts(5)));
        Cli.Result purged = Cli.ok(
                "dlq", "purge", q, "--older-than", "1d", "--min-attempts", "5", "--yes", "--redis-url", REDIS.url());
        assertThat(purged.stderr()).contains("purged 9");
        Set<String> rest = new HashSet<>(all);
        chosen.forEach(rest::remove);
        assertThat(DeadJobs.dead(REDIS.redis(), q)).isEqualTo(rest);
        for (String id : chosen) assertThat(DeadJobs.hash(REDIS.redis(), q, id)).isEmpty();
        assertThat(DeadJobs.field(REDIS.redis(), q, List.copyOf(rest), "state")).containsOnly("DEAD");
        assertThat(DeadJobs.pending(REDIS.redis(), q)).isEmpty();
        assertThat(TestRedis.hash(REDIS.redis(), Keys.of(q).stats())).containsEntry("purged", "9");
    }

    @Test
    void exportWritesWholeRecordsAsJsonLinesAndCsvThatRoundTrip(@TempDir Path dir) throws Exception {
        String q = "export-small";
        List<DeadJobs.Spec> jobs = new ArrayList<>(seedMix(q));
        // an error message with a comma, quotes and a line break: CSV must quote it, JSON must escape it
        long now = REDIS.redis().serverTimeMs();
        DeadJobs.Spec odd = new DeadJobs.Spec(
                "odd", "email.send", "io.example.Odd", "bad \"input\", line one\nline two", 1, now, "{\"s\":\"a,b\"}");
        DeadJobs.seed(REDIS.redis(), q, List.of(odd));
        jobs.add(odd);

        Path jsonl = dir.resolve("dead.jsonl");
        Cli.ok("dlq", "export", q, "--output", jsonl.toString(), "--redis-url", REDIS.url());
        List<String> lines = Files.readAllLines(jsonl);
        assertThat(lines).hasSize(82);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode record = Json.read(lines.get(i));
            DeadJobs.Spec spec = jobs.get(i);
            assertThat(record.get("id").asText()).isEqualTo(spec.id());
            assertThat(record.get("state").asText()).isEqualTo("DEAD");
            assertThat(record.get("payload")).isEqualTo(Json.read(spec.payload()));
            assertThat(record.get("lastError").asText()).isEqualTo(spec.lastError());
            assertThat(record.get("errors")).hasSize(spec.attempts());
        }

        Cli.Result csv =
                Cli.ok("dlq", "export", q, "--format", "csv", "--type", "email.send", "--redis-url", REDIS.url());
        List<List<String>> rows = Csv.parse(csv.stdout());
        assertThat(rows.get(0))
                .containsExactly("id", "type", "attempts", "diedAt", "lastError", "deadReason", "payload");
        List<DeadJobs.Spec> emails = jobs.stream().filter(type("email.send")).toList();
        assertThat(rows).hasSize(1 + emails.size());
        for (int i = 0; i < emails.size(); i++) {
            DeadJobs.Spec spec = emails.get(i);
            assertThat(rows.get(i + 1))
                    .containsExactly(
                            spec.id(),
                            spec.type(),
                            Integer.toString(spec.attempts()),
                            Long.toString(spec.diedAt()),
                            spec.lastError(),
                            spec.deadReason(),
                            Json.write(Json.read(spec.payload())));
        }
        assertThat(DeadJobs.deadCount(REDIS.redis(), q))
                .as("export changes nothing")
                .isEqualTo(82);
    }

    /**
     * Ids left in the dead set without a job hash (an operator's DEL, a partial restore) are
     * dropped by --all, and never make it skip a real dead job.
     */
    @Test
    void requeueAllAndPurgeAllGetEveryJobPastStaleEntries() throws Exception {
        for (String verb : List.of("requeue", "purge")) {
            String q = "stale-" + verb;
            List<String> ids = DeadJobs.seedMany(REDIS.redis(), q, 2_500);
            TestRedis.raw(REDIS.redis(), j -> {
                for (int i = 0; i < 2_500; i += 7)
                    j.zadd(Keys.of(q).dead(), j.zscore(Keys.of(q).dead(), ids.get(i)), "gone-" + i);
                return null;
            });

            if (verb.equals("requeue")) Cli.ok("dlq", "requeue", q, "--all", "--redis-url", REDIS.url());
            else Cli.ok("dlq", "purge", q, "--all", "--yes", "--redis-url", REDIS.url());

            assertThat(DeadJobs.deadCount(REDIS.redis(), q))
                    .as(verb + " --all leaves no dead job")
                    .isZero();
            if (verb.equals("requeue")) {
                assertThat(DeadJobs.pending(REDIS.redis(), q)).hasSize(2_500).containsExactlyInAnyOrderElementsOf(ids);
            } else {
                assertThat(DeadJobs.field(REDIS.redis(), q, ids, "state")).containsOnlyNulls();
            }
        }
    }

    /** The seeding fixture writes what the scripts write: compared with a job a real worker made dead. */
    @Test
    void seededDeadJobsHaveTheFieldsARealDeadJobHas() throws Exception {
        String q = "real";
        String id = Cli.ok(
                        "enqueue",
                        q,
                        "fail",
                        "--payload",
                        "{\"nonRetryable\":true,\"message\":\"no such account\"}",
                        "--max-attempts",
                        "3",
                        "--redis-url",
                        REDIS.url())
                .stdout()
                .strip();
        Process worker = Cli.builder(
                        List.of(), "worker", "--queues", q, "--metrics-port", "-1", "--redis-url", REDIS.url())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            long deadline = System.currentTimeMillis() + 30_000;
            while (!"DEAD".equals(DeadJobs.hash(REDIS.redis(), q, id).get("state"))
                    && System.currentTimeMillis() < deadline) Thread.sleep(100);
        } finally {
            worker.destroy();
            worker.waitFor();
        }
        Map<String, String> real = DeadJobs.hash(REDIS.redis(), q, id);
        assertThat(real).containsEntry("state", "DEAD");
        DeadJobs.Spec spec = new DeadJobs.Spec(
                "x", "fail", "io.jobfleet.worker.NonRetryableException", "no such account", 1, 1, "{}");
        Map<String, String> seeded = DeadJobs.fields(spec);
        assertThat(seeded.keySet()).containsExactlyInAnyOrderElementsOf(real.keySet());
        assertThat(seeded.get("lastError")).isEqualTo(real.get("lastError"));
        assertThat(seeded.get("deadReason")).isEqualTo(real.get("deadReason"));
        JsonNode realError = Json.read(real.get("errors")).get(0);
        JsonNode seededError = Json.read(seeded.get("errors")).get(0);
        List<String> realNames = new ArrayList<>();
        realError.fieldNames().forEachRemaining(realNames::add);
        List<String> seededNames = new ArrayList<>();
        seededError.fieldNames().forEachRemaining(seededNames::add);
        assertThat(seededNames).containsExactlyInAnyOrderElementsOf(realNames);
        assertThat(DeadJobs.dead(REDIS.redis(), q)).containsExactly(id);
    }
}
