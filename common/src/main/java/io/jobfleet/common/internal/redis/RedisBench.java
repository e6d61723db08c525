package io.jobfleet.common.internal.redis;

import java.util.List;
import redis.clients.jedis.AbstractPipeline;

/**
 * What {@code jobfleet bench} measures on the Redis side: this server's own limits (raw LPUSH
 * with and without pipelining, EVALSHA of a trivial script), so every jobfleet figure can be read
 * as a ratio to them, and counters that do not drift with machine noise (commands executed,
 * Redis CPU time, memory) from INFO.
 */
public final class RedisBench {
    private static final String TRIVIAL = "return 1";
    private final Redis redis;

    public RedisBench(Redis redis) {
        this.redis = redis;
    }

    /** INFO counters at one moment: commands executed (all, and EVALSHA), Redis CPU seconds, used memory. */
    public record Snapshot(long calls, long evalshaCalls, double cpuSeconds, long usedMemory) {
        public Snapshot minus(Snapshot before) {
            return new Snapshot(
                    calls - before.calls,
                    evalshaCalls - before.evalshaCalls,
                    cpuSeconds - before.cpuSeconds,
                    usedMemory - before.usedMemory);
        }
    }

    /** Summed over every server the client reaches: on Cluster, every master (the work is spread over them). */
    public Snapshot snapshot() {
        long calls = 0;
        long evalsha = 0;
        for (String stats : redis.infoEveryNode("commandstats").values()) {
            for (String line : stats.split("\r?\n")) {
                if (!line.startsWith("cmdstat_")) continue;
                int at = line.indexOf("calls=");
                long n = Long.parseLong(line.substring(at + 6, line.indexOf(',', at)));
                if (line.startsWith("cmdstat_info:") || line.startsWith("cmdstat_cluster:"))
                    continue; // our own measuring, and the Cluster client's topology reads
                calls += n;
                if (line.startsWith("cmdstat_evalsha:")) evalsha += n;
            }
        }
        double cpu = 0;
        for (String text : redis.infoEveryNode("cpu").values())
            cpu += number(text, "used_cpu_user") + number(text, "used_cpu_sys");
        long memory = 0;
        for (String text : redis.infoEveryNode("memory").values()) memory += (long) number(text, "used_memory");
        return new Snapshot(calls, evalsha, cpu, memory);
    }

    private static double number(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":"))
                return Double.parseDouble(line.substring(field.length() + 1).trim());
        }
        return 0;
    }

    /** LPUSH one at a time, waiting for each reply (one client): ops/s. */
    public double lpushUnpipelined(String key, int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            redis.call(j -> j.lpush(key, "x"));
        }
        double rate = count / ((System.nanoTime() - start) / 1e9);
        redis.call(j -> j.del(key));
        return rate;
    }

    /** LPUSH one at a time from {@code clients} threads, each waiting for its reply: ops/s (what redis-benchmark -P 1 measures). */
    public double lpushUnpipelined(String key, int count, int clients) throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] threads = new Thread[clients];
        long start = System.nanoTime();
        for (int t = 0; t < clients; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                while (next.getAndIncrement() < count) redis.call(j -> j.lpush(key, "x"));
            });
        }
        for (Thread t : threads) t.join();
        double rate = count / ((System.nanoTime() - start) / 1e9);
        redis.call(j -> j.del(key));
        return rate;
    }

    /** LPUSH in pipelines of {@code batch} (one client): ops/s. */
    public double lpushPipelined(String key, int count, int batch) {
        long start = System.nanoTime();
        for (int done = 0; done < count; done += batch) {
            int n = Math.min(batch, count - done);
            redis.call(j -> {
                try (AbstractPipeline p = j.pipelined()) {
                    for (int i = 0; i < n; i++) p.lpush(key, "x");
                    p.sync();
                }
                return null;
            });
        }
        double rate = count / ((System.nanoTime() - start) / 1e9);
        redis.call(j -> j.del(key));
        return rate;
    }

    /** EVALSHA of {@code return 1}, one at a time (one client): ops/s. */
    public double evalshaTrivial(String key, int count) {
        String sha = redis.call(j -> j.scriptLoad(TRIVIAL, key));
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            redis.call(j -> j.evalsha(sha, List.of(key), List.of()));
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * Sets one flow-control limit of the queue ({@code c:<scope>} = "N", {@code r:<scope>} = "N
     * periodMs"), as the flow-control scripts read it; the bench's stand-in until limits have a store.
     */
    public void setLimit(String queue, String field, String value) {
        redis.call(j -> j.hset(Keys.of(queue).limits(), field, value));
    }

    /** Deletes every key of the bench's queue, every partition of it (used between phases). */
    public void clear(String queue) {
        for (String physical : new QueueStore(redis).physical(queue)) clearOne(physical);
    }

    private void clearOne(String queue) {
        List<String> found = redis.scanKeys(Keys.of(queue).pattern());
        for (int from = 0; from < found.size(); from += 1000) {
            String[] batch =
                    found.subList(from, Math.min(found.size(), from + 1000)).toArray(new String[0]);
            redis.call(j -> j.del(batch));
        }
    }
}
