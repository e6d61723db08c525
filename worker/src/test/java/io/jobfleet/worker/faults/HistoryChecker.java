package io.jobfleet.worker.faults;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.QueueCounts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * Checks a history after the faults stopped and the queue drained, in the spirit of Jepsen's
 * queue checker. It joins the producers' files (what was acknowledged, what is unknown), the
 * workers' files (every handler start and end) and the jobs' final states in Redis.
 */
final class HistoryChecker {
    private HistoryChecker() {}

    /**
     * What one fault run did to the jobs. Lost, stuck, unexpected and splitKeys must be 0.
     * {@code unknown}: keys whose enqueue never got an answer; {@code unknownAttempts}: enqueue
     * calls that threw (each tried again under its key); {@code replayed}: acknowledgements that
     * named a job an earlier, unanswered try had created; {@code duplicates}: handler starts beyond
     * the first per job that no recorded failure of an earlier run explains (retries are not
     * duplicates; re-runs after a crash, a lost lease or a lost reply are);
     * {@code deadAsExpected}: jobs the test meant to die (poison) that are DEAD, which are not lost (an expected-dead job in any other final state is not counted there).
     */
    record Report(
            String fault,
            int acknowledged,
            int unknown,
            int unknownAttempts,
            int replayed,
            int lost,
            int stuck,
            int unexpected,
            int splitKeys,
            long executions,
            long duplicates,
            List<String> examples,
            int deadAsExpected) {

        double duplicatesPer10k() {
            return acknowledged == 0 ? 0 : duplicates * 10_000.0 / acknowledged;
        }

        static String header() {
            return String.format(
                    "%-22s %8s %8s %9s %8s %5s %6s %11s %11s %11s %9s %17s",
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
                    "dup/10k",
                    "dead as expected");
        }

        String row() {
            return String.format(
                    "%-22s %8d %8d %9d %8d %5d %6d %11d %11d %11d %9.1f %17d",
                    fault,
                    acknowledged,
                    unknown,
                    unknownAttempts,
                    replayed,
                    lost,
                    stuck,
                    unexpected,
                    splitKeys,
                    executions,
                    duplicatesPer10k(),
                    deadAsExpected);
        }

        void print() {
            System.out.println("FAULT TABLE " + header());
            System.out.println("FAULT TABLE " + row());
            examples.forEach(e -> System.out.println("FAULT TABLE   example: " + e));
        }
    }

    /**
     * One line of a worker's file: a run's start, its end ({@code end}), or a failure the worker
     * records, an error or a timeout ({@code failed}); a run with neither was cut short (a crash, a
     * lost lease, a hand-back).
     */
    record Run(String jobId, String key, String worker, int attempt, long atMs, boolean end, boolean failed) {
        /** A start line: the handler began a run. */
        boolean start() {
            return !end && !failed;
        }
    }

    static List<Run> runs(Path history) {
        List<Run> runs = new ArrayList<>();
        for (String[] f : HistoryLog.read(history, "exec-")) {
            runs.add(new Run(
                    f[1],
                    f[2],
                    f[3],
                    Integer.parseInt(f[4]),
                    Long.parseLong(f[5]),
                    f[0].equals("E"),
                    f[0].equals("F")));
        }
        return runs;
    }

    static Report check(String fault, Path history, Redis redis, String queue) {
        return check(fault, history, redis, queue, key -> false);
    }

    /**
     * As {@link #check(String, Path, Redis, String)}, where the jobs whose idempotency key
     * {@code expectedDead} accepts (poison jobs, say) are meant to end DEAD: those that do are
     * counted in {@code deadAsExpected} instead of lost. Any other DEAD job is lost.
     */
    static Report check(String fault, Path history, Redis redis, String queue, Predicate<String> expectedDead) {
        Map<String, String> ackedId = new HashMap<>(); // key -> job id acknowledged
        Set<String> unknownKeys = new HashSet<>();
        Map<String, Set<String>> triedIds = new HashMap<>(); // key -> every id sent with it
        Map<String, String> keyOfId = new HashMap<>();
        int unknownAttempts = 0;
        int replayed = 0;
        for (String[] f : HistoryLog.read(history, "producer-")) {
            switch (f[0]) {
                case "T" -> {
                    triedIds.computeIfAbsent(f[1], k -> new HashSet<>()).add(f[2]);
                    keyOfId.put(f[2], f[1]);
                }
                case "A" -> {
                    ackedId.put(f[1], f[2]);
                    if (f[3].equals("REPLAYED")) replayed++;
                }
                case "U" -> {
                    unknownKeys.add(f[1]);
                    unknownAttempts++;
                }
                default -> throw new AssertionError("bad producer line " + String.join(" ", f));
            }
        }
        unknownKeys.removeAll(ackedId.keySet());

        Map<String, Long> starts = new HashMap<>();
        Map<String, Long> failures = new HashMap<>();
        Set<String> ended = new HashSet<>();
        Map<String, Set<String>> executedIdsOfKey = new HashMap<>();
        List<String> examples = new ArrayList<>();
        int unexpected = 0;
        Set<String> unexpectedIds = new HashSet<>();
        for (Run run : runs(history)) {
            if (!keyOfId.containsKey(run.jobId()) && unexpectedIds.add(run.jobId())) {
                unexpected++;
                example(examples, "unexpected execution of " + run.jobId() + " by " + run.worker());
            }
            executedIdsOfKey.computeIfAbsent(run.key(), k -> new HashSet<>()).add(run.jobId());
            if (run.end()) ended.add(run.jobId());
            else if (run.failed()) failures.merge(run.jobId(), 1L, Long::sum);
            else starts.merge(run.jobId(), 1L, Long::sum);
        }

        Map<String, String> states = states(redis, queue, keyOfId.keySet());
        int stuck = 0;
        for (var e : states.entrySet()) {
            if (e.getValue() != null && Set.of("QUEUED", "ACTIVE", "SCHEDULED").contains(e.getValue())) {
                stuck++;
                example(examples, "stuck " + e.getKey() + " in " + e.getValue());
            }
        }
        QueueCounts counts = new QueueStore(redis).counts(queue);
        stuck = (int) Math.max(stuck, counts.pending() + counts.active() + counts.scheduled());

        int lost = 0;
        int deadAsExpected = 0;
        for (var e : ackedId.entrySet()) {
            String id = e.getValue();
            String state = states.get(id);
            if (expectedDead.test(e.getKey()) && "DEAD".equals(state)) {
                deadAsExpected++;
                continue;
            }
            boolean completed = "SUCCEEDED".equals(state) && ended.contains(id);
            boolean isStuck =
                    state != null && Set.of("QUEUED", "ACTIVE", "SCHEDULED").contains(state);
            if (!completed && !isStuck) {
                lost++;
                example(
                        examples,
                        "lost " + id + " (key " + e.getKey() + ") state " + state + ", ended " + ended.contains(id));
            }
        }

        int splitKeys = 0;
        for (var e : triedIds.entrySet()) {
            Set<String> jobs = new HashSet<>(executedIdsOfKey.getOrDefault(e.getKey(), Set.of()));
            for (String id : e.getValue()) if (states.get(id) != null) jobs.add(id);
            if (jobs.size() > 1) {
                splitKeys++;
                example(examples, "idempotency key " + e.getKey() + " has jobs " + jobs);
            }
        }

        long executions = starts.values().stream().mapToLong(Long::longValue).sum();
        // a run beyond the first is a duplicate unless a recorded failure of an earlier run explains it (a retry)
        long duplicates = starts.entrySet().stream()
                .mapToLong(e -> Math.max(0, e.getValue() - 1 - failures.getOrDefault(e.getKey(), 0L)))
                .sum();
        return new Report(
                fault,
                ackedId.size(),
                unknownKeys.size(),
                unknownAttempts,
                replayed,
                lost,
                stuck,
                unexpected,
                splitKeys,
                executions,
                duplicates,
                examples,
                deadAsExpected);
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < 10) examples.add(text);
    }

    /** The state field of each job id (null: no such job), read in pipelines of 1,000. */
    private static Map<String, String> states(Redis redis, String queue, Set<String> ids) {
        List<String> all = new ArrayList<>(ids);
        Map<String, String> out = new HashMap<>();
        for (int from = 0; from < all.size(); from += 1_000) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 1_000));
            List<String> states = TestRedis.raw(redis, j -> {
                try (AbstractPipeline p = j.pipelined()) { // a ClusterPipeline on Cluster
                    List<Response<String>> replies = chunk.stream()
                            .map(id -> p.hget(Keys.of(queue).job(id), "state"))
                            .toList();
                    p.sync();
                    return replies.stream().map(Response::get).toList();
                }
            });
            for (int i = 0; i < chunk.size(); i++) out.put(chunk.get(i), states.get(i));
        }
        return out;
    }
}
