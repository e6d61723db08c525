package io.jobfleet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.api.ApiConfig;
import io.jobfleet.api.ApiServer;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.QueuePolicy;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description = {
            "Everything in one process for trying jobfleet: an embedded Redis (unless --redis-url is given), the HTTP",
            "API without authentication on loopback, a worker with the demo handlers (noop, sleep, echo, fail) on",
            "queue 'default', and a few demo jobs."
        },
        footer = {"", "Examples:", "  jobfleet dev", "  jobfleet dev --demo 0 --redis-port 6400"})
final class DevCommand implements Callable<Integer> {
    static final String QUEUE = "default";

    @Mixin
    RedisOptions redis;

    private volatile ApiServer apiServer;

    @Option(
            names = "--redis-port",
            paramLabel = "PORT",
            defaultValue = "6399",
            description = "Port of the embedded Redis (0: any free port; default ${DEFAULT-VALUE})")
    int redisPort;

    @Option(
            names = "--api-port",
            paramLabel = "PORT",
            defaultValue = "8080",
            description = "Port of the API on 127.0.0.1 (0: any free port; default ${DEFAULT-VALUE})")
    int apiPort;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "9400",
            description = "Port of the worker's /metrics (-1: off, 0: any free port; default ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(
            names = "--demo",
            paramLabel = "N",
            defaultValue = "20",
            description = "Demo jobs to enqueue at start (default ${DEFAULT-VALUE})")
    int demoJobs;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            defaultValue = "4",
            description = "Worker slots (default ${DEFAULT-VALUE})")
    int concurrency;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedRedis embedded = null;
        String url = redis.url;
        if (!redis.given()) {
            embedded = EmbeddedRedis.start(null, redisPort, List.of());
            url = embedded.url();
            System.out.println("embedded Redis " + url + " (pid " + embedded.pid() + ", data in a temp dir)");
        }
        try (Redis connection =
                Redis.connect(RedisSettings.fromUrl(url).withPoolSize(16).withClientName("jobfleet-dev"))) {
            Worker worker = newWorker(connection);
            CountDownLatch stopped = new CountDownLatch(1);
            EmbeddedRedis server = embedded;
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                if (apiServer != null) apiServer.close();
                                worker.stop();
                                if (server != null) server.close();
                                stopped.countDown();
                            },
                            "jobfleet-shutdown"));
            worker.start();
            ApiServer api = startApi(connection);
            apiServer = api;
            MetricsServer metrics =
                    MetricsServer.start(metricsPort, worker.metrics().registry());
            printHowTo(worker, "http://127.0.0.1:" + api.port(), metrics, url);
            if (demoJobs > 0) runDemo(new JobStore(connection, Retention.DEFAULT), url);
            System.out.println("jobfleet dev is running; Ctrl-C stops it");
            stopped.await();
        }
        return ExitCodes.OK;
    }

    private Worker newWorker(Redis connection) {
        WorkerConfig config = WorkerConfig.builder()
                .queues(QUEUE)
                .concurrency(concurrency)
                .defaultPolicy(new QueuePolicy(new RetryPolicy(500, 2, 10_000, 3), QueuePolicy.DEFAULT_TIMEOUT))
                .shutdownGrace(java.time.Duration.ofSeconds(5))
                .build();
        return new Worker(connection, config, Handlers.discover(getClass().getClassLoader()));
    }

    private ApiServer startApi(Redis connection) {
        return new ApiServer(
                        connection,
                        ApiConfig.openForDev()
                                .withAddress("127.0.0.1", apiPort)
                                .withRedaction(io.jobfleet.common.internal.job.Redaction.parse(
                                        System.getenv("JOBFLEET_REDACT_FIELDS"))))
                .start();
    }

    /** What runs where, and a first command to try. */
    private void printHowTo(Worker worker, String base, MetricsServer metrics, String url) {
        System.out.println("worker " + worker.id() + " on queue '" + QUEUE + "' with concurrency " + concurrency);
        System.out.println("API " + base + " (no authentication: dev mode); API metrics " + base + "/metrics"
                + metrics.describe().replace("; metrics on", ", worker metrics"));
        System.out.println("try:   curl -s -X POST " + base + "/v1/queues/" + QUEUE
                + "/jobs -H 'Content-Type: application/json'"
                + " -d '{\"type\":\"echo\",\"payload\":{\"hello\":\"world\"}}'");
        System.out.println("       JOBFLEET_REDIS_URL=" + url + " bin/jobfleet job show " + QUEUE + " <id>");
    }

    /** Enqueues a mix of demo jobs and reports when every one has reached a final state. */
    private void runDemo(JobStore store, String url) throws InterruptedException {
        List<String> ids =
                store.enqueue(demoJobs(demoJobs), 0).stream().map(r -> r.id()).toList();
        System.out.println(
                "demo: enqueued " + ids.size() + " jobs (noop, echo, sleep, fail once then succeed, one dead)");
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            Tally tally = Tally.of(store, ids);
            if (tally.succeeded() + tally.dead() == ids.size()) {
                System.out.println("demo: all " + ids.size() + " jobs finished: " + tally.succeeded() + " succeeded ("
                        + tally.retried() + " after a retry), " + tally.dead() + " dead");
                if (tally.deadId() != null) {
                    System.out.println("see the dead one: JOBFLEET_REDIS_URL=" + url + " bin/jobfleet job show " + QUEUE
                            + " " + tally.deadId());
                }
                return;
            }
            Thread.sleep(200);
        }
        System.out.println("demo: not every job finished within 120 s; check the log above");
    }

    /** {@code count} demo jobs cycling through the demo handlers; the fifth goes straight to the DLQ. */
    private static List<NewJob> demoJobs(int count) {
        List<NewJob> jobs = new ArrayList<>();
        JsonNodeFactory json = JsonNodeFactory.instance;
        for (int i = 0; i < count; i++) {
            ObjectNode payload = json.objectNode();
            String type;
            switch (i % 5) {
                case 0 -> type = "noop";
                case 1 -> {
                    type = "echo";
                    payload.put("hello", "world").put("n", i);
                }
                case 2 -> {
                    type = "sleep";
                    payload.put("ms", 300);
                }
                case 3 -> {
                    type = "fail";
                    payload.put("times", 1).put("message", "demo: fails once, then succeeds");
                }
                default -> type = "noop";
            }
            jobs.add(NewJob.of(QUEUE, type, payload));
        }
        if (count >= 5) {
            jobs.set(
                    4,
                    NewJob.of(
                            QUEUE,
                            "fail",
                            json.objectNode()
                                    .put("nonRetryable", true)
                                    .put("message", "demo: a job that goes straight to the dead-letter queue")));
        }
        return jobs;
    }

    /** Where the demo jobs stand: how many succeeded (and of those, after a retry), how many are dead. */
    private record Tally(int succeeded, int retried, int dead, String deadId) {
        static Tally of(JobStore store, List<String> ids) {
            int succeeded = 0;
            int dead = 0;
            int retried = 0;
            String deadId = null;
            for (String id : ids) {
                JobRecord record = store.get(QUEUE, id).orElse(null);
                if (record == null) continue;
                if (record.state() == JobState.SUCCEEDED) {
                    succeeded++;
                    if (record.attempts() > 1) retried++;
                } else if (record.state() == JobState.DEAD) {
                    dead++;
                    deadId = id;
                }
            }
            return new Tally(succeeded, retried, dead, deadId);
        }
    }
}
