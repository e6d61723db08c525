package io.jobfleet.worker.faults;

import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.common.redis.Keys;
import io.jobfleet.common.redis.QueueStore;
import io.jobfleet.common.redis.Redis;
import io.jobfleet.common.redis.TestRedis;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
     * the first per job.
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
            List<String> examples) {

        double duplicatesPer10k() {
            return acknowledged == 0 ? 0 : duplicates * 10_000.0 / acknowledged;
        }

        static String header() {
            return String.format(
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
                    "dup/10k");
        }

        String row() {
            return String.format(
                    "%-22s %8d %8d %9d %8d %5d %6d %11d %11d %11d %9.1f",
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
                    duplicatesPer10k());
        }

        void print() {
            System.out.println("FAULT TABLE " + header());
            System.out.println("FAULT TABLE " + row());
            examples.forEach(e -> System.out.println("FAULT TABLE   example: " + e));
        }
    }

    /** One handler run, from a worker's file. */
    record Run(String jobId, String key, String worker, int attempt, long atMs, boolean end) {}

    static List<Run> runs(Path history) {
        List<Run> runs = new ArrayList<>();
        for (String[] f : HistoryLog.read(history, "exec-")) {
            runs.add(new Run(f[1], f[2], f[3], Integer.parseInt(f[4]), Long.parseLong(f[5]), f[0].equals("E")));
        }
        return runs;
    }

    static Report check(String fault, Path history, Redis redis, String queue) {
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
        for (var e : ackedId.entrySet()) {
            String id = e.getValue();
            String state = states.get(id);
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
        long duplicates = starts.values().stream().mapToLong(n -> n - 1).sum();
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
                examples);
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
