package io.jobfleet.cli;

import ch.qos.logback.classic.Level;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Throughput, latency and cost against a real Redis (an embedded one unless --redis-url is given), with every",
            "guarantee on: leases, fencing, idempotency registry, retries. Every figure is also given as a ratio to this",
            "Redis's own limits (unpipelined and pipelined LPUSH, EVALSHA of a trivial script) measured in the same run."
        },
        footer = {
            "",
            "Examples:",
            "  jobfleet bench                                  # the full run written down in docs/benchmarks.md",
            "  jobfleet bench --quick --json                   # a smoke run (CI)",
            "  jobfleet bench --only drain --jobs 1000000 --redis-url redis://localhost:6379",
            "  jobfleet bench --only drain-limit --jobs 200000  # drain with a non-binding limit against none",
            "  jobfleet bench --only enqueue,drain --partitions 3    # the queues spread over 3 partitions",
            "  jobfleet bench --only drain,latency --worker-processes 1  # real jobfleet worker processes, as shipped"
        })
final class BenchCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Option(
            names = "--jobs",
            defaultValue = "100000",
            description = "Backlog drained by the workers (default ${DEFAULT-VALUE})")
    int jobs;

    @Option(
            names = "--producers",
            defaultValue = "8",
            description = "Concurrent producers for the concurrent enqueue (default ${DEFAULT-VALUE})")
    int producers;

    @Option(names = "--batch", defaultValue = "100", description = "Jobs per batch enqueue (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--workers",
            defaultValue = "1",
            description = "In-process workers for the drain, each with its own pool (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--concurrency", defaultValue = "64", description = "Slots per worker (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(
            names = "--rate",
            defaultValue = "500",
            description = "Jobs/s for the latency run (default ${DEFAULT-VALUE})")
    int rate;

    @Option(
            names = "--latency-seconds",
            defaultValue = "20",
            description = "Length of the latency run (default ${DEFAULT-VALUE})")
    int latencySeconds;

    @Option(
            names = "--only",
            split = ",",
            paramLabel = "PHASE",
            description = "Run only these phases: baseline, enqueue, api, drain, drain-limit, latency (default: all"
                    + " but drain-limit)")
    Set<String> only;

    @Option(
            names = "--partitions",
            defaultValue = "1",
            description = "Partitions of the enqueue and drain queues, 1-64 (default ${DEFAULT-VALUE}): on Redis"
                    + " Cluster, compare 1 with one per master")
    int partitions;

    @Option(
            names = "--worker-processes",
            defaultValue = "0",
            paramLabel = "N",
            description = "Run the drain and latency phases against N real jobfleet worker processes at default"
                    + " settings and default logging, with --concurrency (default ${DEFAULT-VALUE}: the worker"
                    + " runs in the bench's JVM, logging at WARN)")
    int workerProcesses;

    @Option(
            names = "--quick",
            description = "A short smoke run: small counts, a 3 s latency run (6 s with --worker-processes)")
    boolean quick;

    @Option(names = "--json", description = "Print the results as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.jobfleet"))
                .setLevel(Level.WARN); // no per-job lines
        if (workerProcesses < 0 || workerProcesses > 64) {
            throw new IllegalArgumentException("--worker-processes must be 0..64, got " + workerProcesses);
        }
        if (quick) {
            jobs = Math.min(jobs, 5_000);
            // with worker processes, long enough for steady-state jobs after the first ProcessBench.COLD
            latencySeconds = Math.min(latencySeconds, workerProcesses > 0 ? 6 : 3);
        }
        EmbeddedRedis embedded = null;
        String url = redis.url;
        if (!redis.given()) {
            embedded = EmbeddedRedis.start(null, 0, List.of());
            url = embedded.url();
        }
        try (Redis connection =
                Redis.connect(RedisSettings.fromUrl(url).withPoolSize(Math.max(32, producers * 2 + 8)))) {
            Bench bench = new Bench(connection, url, quick, partitions);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("redis", redisInfo(connection, embedded != null));
            List<Row> rows = runPhases(bench, url);
            report.put("partitions", partitions);
            report.put("workerProcesses", workerProcesses);
            report.put("results", rows);
            if (json) {
                System.out.println(Json.write(report));
            } else {
                System.out.println("jobfleet bench: Redis " + connection.info("server", "redis_version") + " ("
                        + (embedded == null ? url.replaceAll("//[^@/]*@", "//***@") : "embedded") + "), "
                        + Runtime.getRuntime().availableProcessors() + " cores");
                print(rows, System.out);
            }
        } finally {
            if (embedded != null) embedded.close();
        }
        return ExitCodes.OK;
    }

    private static Map<String, Object> redisInfo(Redis connection, boolean embedded) {
        return Map.of(
                "version",
                connection.info("server", "redis_version"),
                "url",
                embedded ? "embedded" : "given",
                "appendonly",
                connection.info("persistence", "aof_enabled"));
    }

    /** The phases picked with --only (all by default), in their fixed order. */
    private List<Row> runPhases(Bench bench, String url) throws Exception {
        List<Row> rows = new ArrayList<>();
        if (run("baseline")) rows.addAll(bench.baselines());
        if (run("enqueue")) rows.addAll(new EnqueueBench(bench).run(producers, batch));
        if (run("api")) rows.addAll(new ApiBench(bench).run(producers, batch));
        ProcessBench processes = new ProcessBench(bench, workerProcesses, concurrency);
        if (run("drain"))
            rows.addAll(
                    workerProcesses > 0
                            ? processes.drain(jobs)
                            : new DrainBench(bench).run(jobs, workers, concurrency));
        if (only != null && only.contains("drain-limit"))
            rows.addAll(new DrainBench(bench).runWithLimit(jobs, workers, concurrency));
        if (run("latency"))
            rows.addAll(
                    workerProcesses > 0
                            ? processes.latency(rate, latencySeconds)
                            : new LatencyBench(url, bench.store, bench.counters)
                                    .run(rate, latencySeconds, concurrency));
        return rows;
    }

    static void print(List<Row> rows, PrintStream out) {
        Table table = new Table(
                "PHASE", "WHAT", "VALUE", "UNIT", "RATIO", "TRIPS/JOB", "REDIS CMDS/JOB", "REDIS CPU us/JOB", "NOTE");
        for (Row r : rows) {
            table.row(
                    r.phase(),
                    r.name(),
                    format(r.value()),
                    r.unit(),
                    r.ratio() == null ? "" : String.format("%.2f x %s", r.ratio(), r.ratioTo()),
                    r.roundTripsPerJob() == null ? "" : String.format("%.2f", r.roundTripsPerJob()),
                    r.commandsPerJob() == null ? "" : String.format("%.2f", r.commandsPerJob()),
                    r.redisCpuUsPerJob() == null ? "" : String.format("%.1f", r.redisCpuUsPerJob()),
                    r.note());
        }
        table.print(out);
    }

    private static String format(double v) {
        return v >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
    }

    private boolean run(String phase) {
        return only == null || only.contains(phase);
    }
}
