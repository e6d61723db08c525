package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = {
            "Run a worker: claim jobs from the queues and run their handlers until SIGTERM.",
            "Handlers are found with ServiceLoader (META-INF/services/io.jobfleet.worker.JobHandler): put your jar on",
            "JOBFLEET_CLASSPATH. The built-in demo handlers noop, sleep, echo and fail are always there."
        },
        footer = {
            "",
            "Examples:",
            "  jobfleet worker --redis-url redis://localhost:6379 --queues default --concurrency 20",
            "  JOBFLEET_CLASSPATH=ingest-handlers.jar jobfleet worker --queues critical:6,default:2,low"
        })
final class WorkerCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Mixin
    WorkerOptions options;

    @Override
    public Integer call() throws InterruptedException {
        WorkerConfig config = options.toConfig();
        Handlers handlers = Handlers.discover(Thread.currentThread().getContextClassLoader());
        int pool = Math.max(redis.poolSize, config.queues().size() + 4);
        try (Redis connection =
                RedisOptions.connectWaiting(redis.settings("jobfleet-worker").withPoolSize(pool))) {
            Worker worker = new Worker(connection, config, handlers);
            MetricsServer metrics =
                    MetricsServer.start(options.metricsPort, worker.metrics().registry());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                worker.stop();
                                stopped.countDown();
                            },
                            "jobfleet-shutdown"));
            worker.start();
            System.out.println(
                    "worker " + worker.id() + " running on " + config.queues().keySet() + " with handlers "
                            + handlers.types() + metrics.describe() + "; SIGTERM or Ctrl-C stops it gracefully");
            worker.awaitTermination(); // a graceful stop, or a loop that died (then the worker stopped itself)
            if (worker.isFailed()) {
                metrics.close();
                System.err.println("worker " + worker.id() + " stopped after an internal error (see the log above)");
                return ExitCodes.FAILURE;
            }
            stopped.await();
            metrics.close();
        }
        return ExitCodes.OK;
    }
}
