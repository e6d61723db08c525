package io.jobfleet.cli;

import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.QueuePolicy;
import io.jobfleet.worker.WorkerConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The worker's flags, each with its JOBFLEET_* variable; defaults are WorkerConfig's (docs/configuration.md). */
final class WorkerOptions {
    @Option(
            names = "--queues",
            paramLabel = "SPEC",
            description =
                    "Queues to serve, with optional weights: critical:6,default:2,low (env JOBFLEET_QUEUES; default ${DEFAULT-VALUE})")
    String queues;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            description = "Jobs run at once (env JOBFLEET_CONCURRENCY; default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(
            names = "--lease",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description =
                    "Lease on a claimed job; a dead worker's jobs return within about lease + 1s (default ${DEFAULT-VALUE})")
    Duration lease;

    @Option(
            names = "--shutdown-grace",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description =
                    "On SIGTERM, how long running jobs may finish before they are handed back (default ${DEFAULT-VALUE})")
    Duration shutdownGrace;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Default time one attempt may run, unless the job sets its own (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(
            names = "--max-attempts",
            paramLabel = "N",
            description = "Default attempts per job before it is dead (default ${DEFAULT-VALUE})")
    int maxAttempts;

    @Option(
            names = "--backoff-base",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Retry backoff ceiling after the first failure (default ${DEFAULT-VALUE})")
    Duration backoffBase;

    @Option(
            names = "--backoff-multiplier",
            paramLabel = "X",
            description = "Retry backoff growth per attempt (default ${DEFAULT-VALUE})")
    double backoffMultiplier;

    @Option(
            names = "--backoff-cap",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Longest retry backoff (default ${DEFAULT-VALUE})")
    Duration backoffCap;

    @Option(
            names = "--poison-limit",
            paramLabel = "N",
            description = "Lease expiries after which a job is dead as poison (default ${DEFAULT-VALUE})")
    int poisonLimit;

    @Option(
            names = "--max-snoozes",
            paramLabel = "N",
            description =
                    "Snoozes a job may take (ctx.snooze); the one past that makes it dead (default ${DEFAULT-VALUE})")
    int maxSnoozes;

    @Option(
            names = "--claim-batch",
            paramLabel = "N",
            description = "Most jobs claimed in one round trip (default ${DEFAULT-VALUE})")
    int claimBatch;

    @Option(
            names = "--keep-finished",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long succeeded, cancelled and expired jobs stay readable; 0: deleted as they end"
                    + " (default ${DEFAULT-VALUE})")
    Duration keepFinished;

    @Option(
            names = "--no-circuit-breaker",
            negatable = false,
            defaultValue = "false",
            description = "Turn off the per-job-type circuit breaker")
    boolean noBreaker;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Serve Prometheus metrics on http://0.0.0.0:PORT/metrics (-1: off; default ${DEFAULT-VALUE})")
    int metricsPort;

    WorkerConfig toConfig() {
        RetryPolicy retry =
                new RetryPolicy(backoffBase.toMillis(), backoffMultiplier, backoffCap.toMillis(), maxAttempts);
        return WorkerConfig.builder()
                .queues(queues)
                .concurrency(concurrency)
                .lease(lease)
                .shutdownGrace(shutdownGrace)
                .defaultPolicy(new QueuePolicy(retry, timeout))
                .poisonLimit(poisonLimit)
                .claimBatch(claimBatch)
                .maxSnoozes(maxSnoozes)
                .retention(Retention.DEFAULT.withFinished(keepFinished))
                .breaker(noBreaker ? WorkerConfig.BreakerSettings.OFF : WorkerConfig.BreakerSettings.DEFAULT)
                .build();
    }
}
