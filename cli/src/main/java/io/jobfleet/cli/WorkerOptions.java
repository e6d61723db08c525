package io.jobfleet.cli;

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
            defaultValue = "${env:JOBFLEET_QUEUES:-default}",
            description =
                    "Queues to serve, with optional weights: critical:6,default:2,low (env JOBFLEET_QUEUES; default ${DEFAULT-VALUE})")
    String queues;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            defaultValue = "${env:JOBFLEET_CONCURRENCY:-10}",
            description = "Jobs run at once (env JOBFLEET_CONCURRENCY; default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(
            names = "--lease",
            paramLabel = "DURATION",
            defaultValue = "${env:JOBFLEET_LEASE:-10s}",
            converter = DurationConverter.class,
            description =
                    "Lease on a claimed job; a dead worker's jobs return within about lease + 1s (default ${DEFAULT-VALUE})")
    Duration lease;

    @Option(
            names = "--shutdown-grace",
            paramLabel = "DURATION",
            defaultValue = "${env:JOBFLEET_SHUTDOWN_GRACE:-25s}",
            converter = DurationConverter.class,
            description =
                    "On SIGTERM, how long running jobs may finish before they are handed back (default ${DEFAULT-VALUE})")
    Duration shutdownGrace;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "${env:JOBFLEET_JOB_TIMEOUT:-15m}",
            converter = DurationConverter.class,
            description = "Default time one attempt may run, unless the job sets its own (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(
            names = "--max-attempts",
            paramLabel = "N",
            defaultValue = "${env:JOBFLEET_MAX_ATTEMPTS:-5}",
            description = "Default attempts per job before it is dead (default ${DEFAULT-VALUE})")
    int maxAttempts;

    @Option(
            names = "--backoff-base",
            paramLabel = "DURATION",
            defaultValue = "${env:JOBFLEET_BACKOFF_BASE:-1s}",
            converter = DurationConverter.class,
            description = "Retry backoff ceiling after the first failure (default ${DEFAULT-VALUE})")
    Duration backoffBase;

    @Option(
            names = "--backoff-multiplier",
            paramLabel = "X",
            defaultValue = "${env:JOBFLEET_BACKOFF_MULTIPLIER:-5}",
            description = "Retry backoff growth per attempt (default ${DEFAULT-VALUE})")
    double backoffMultiplier;

    @Option(
            names = "--backoff-cap",
            paramLabel = "DURATION",
            defaultValue = "${env:JOBFLEET_BACKOFF_CAP:-1h}",
            converter = DurationConverter.class,
            description = "Longest retry backoff (default ${DEFAULT-VALUE})")
    Duration backoffCap;

    @Option(
            names = "--poison-limit",
            paramLabel = "N",
            defaultValue = "${env:JOBFLEET_POISON_LIMIT:-3}",
            description = "Lease expiries after which a job is dead as poison (default ${DEFAULT-VALUE})")
    int poisonLimit;

    @Option(
            names = "--claim-batch",
            paramLabel = "N",
            defaultValue = "${env:JOBFLEET_CLAIM_BATCH:-100}",
            description = "Most jobs claimed in one round trip (default ${DEFAULT-VALUE})")
    int claimBatch;

    @Option(
            names = "--no-circuit-breaker",
            negatable = false,
            defaultValue = "false",
            description = "Turn off the per-job-type circuit breaker")
    boolean noBreaker;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "${env:JOBFLEET_METRICS_PORT:-9400}",
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
                .breaker(noBreaker ? WorkerConfig.BreakerSettings.OFF : WorkerConfig.BreakerSettings.DEFAULT)
                .build();
    }
}
