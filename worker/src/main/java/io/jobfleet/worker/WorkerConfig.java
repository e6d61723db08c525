package io.jobfleet.worker;

import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.job.Retention;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A worker's settings, validated when built with messages that name the setting and the bad
 * value. Defaults are documented in docs/configuration.md; the CLI maps flags and
 * {@code JOBFLEET_*} variables onto the builder.
 *
 * @param queues queue name -> weight: with several queues, a free slot goes to a queue with
 *     probability proportional to its weight (Sidekiq's weighted queues)
 * @param lease how long a claimed job stays ours without renewal; a dead worker's jobs are back
 *     in pending within about {@code lease + reapEvery}
 * @param hungJobGrace after a timeout, cancellation or lost lease interrupts a handler, how long
 *     it may take to stop before the worker records the outcome and abandons the thread
 * @param maxResultBytes largest result or progress a handler may report, as JSON (UTF-8) in Redis:
 *     a larger result fails its job for good, a larger progress is refused to the handler
 * @param maxSnoozes how many times a job may be snoozed ({@link JobContext#snooze}); the snooze
 *     past that makes it dead
 */
public record WorkerConfig(
        String id,
        Map<String, Integer> queues,
        int concurrency,
        int claimBatch,
        Duration lease,
        Duration renewEvery,
        Duration reapEvery,
        Duration promoteEvery,
        Duration heartbeatEvery,
        Duration shutdownGrace,
        Duration hungJobGrace,
        int poisonLimit,
        QueuePolicy defaultPolicy,
        Map<String, QueuePolicy> policies,
        BreakerSettings breaker,
        Retention retention,
        int maxResultBytes,
        int maxSnoozes) {

    public static final String DEFAULT_QUEUES = "default";
    public static final int DEFAULT_CONCURRENCY = 10;
    public static final int DEFAULT_CLAIM_BATCH = 100;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RENEW_EVERY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_REAP_EVERY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_PROMOTE_EVERY = Duration.ofMillis(200);
    public static final Duration DEFAULT_HEARTBEAT_EVERY = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(25);
    public static final Duration DEFAULT_HUNG_JOB_GRACE = Duration.ofSeconds(10);
    public static final int DEFAULT_POISON_LIMIT = 3;
    public static final int DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_SNOOZES = 50;

    /**
     * A per-job-type circuit breaker: when at least {@code minimumCalls} of the last
     * {@code window} attempts of a type were made and {@code failureRatePercent} of them failed,
     * jobs of that type are handed back with a delay, keeping their attempts, for {@code openFor}.
     */
    public record BreakerSettings(
            boolean enabled, int window, int minimumCalls, float failureRatePercent, Duration openFor) {
        public static final BreakerSettings DEFAULT = new BreakerSettings(true, 50, 20, 50f, Duration.ofSeconds(30));
        public static final BreakerSettings OFF = new BreakerSettings(false, 50, 20, 50f, Duration.ofSeconds(30));
    }

    public WorkerConfig {
        queues = Map.copyOf(new LinkedHashMap<>(queues));
        policies = Map.copyOf(policies);
        if (queues.isEmpty())
            throw new ConfigException("worker queues: give at least one queue, e.g. --queues default");
        queues.forEach((queue, weight) -> {
            try {
                Names.checkQueue(queue);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("worker queues: " + e.getMessage());
            }
            if (weight < 1 || weight > 1000) {
                throw new ConfigException("worker queues: weight of '" + queue + "' must be 1..1000, got " + weight);
            }
        });
        range("worker concurrency", concurrency, 1, 10_000);
        range("worker claim batch", claimBatch, 1, 10_000);
        range("worker poison limit", poisonLimit, 2, 100); // 1 would make every job a suspect
        range("worker max result bytes", maxResultBytes, 1, 512 * 1024 * 1024); // Redis's largest string
        range("worker max snoozes", maxSnoozes, 1, 1_000_000); // 0 would be a release the script does not count
        positive("worker lease", lease);
        positive("worker renew interval", renewEvery);
        positive("worker reap interval", reapEvery);
        positive("worker promote interval", promoteEvery);
        positive("worker heartbeat interval", heartbeatEvery);
        positive("worker hung-job grace", hungJobGrace);
        if (shutdownGrace.isNegative())
            throw new ConfigException("worker shutdown grace must be >= 0, got " + shutdownGrace);
        if (renewEvery.multipliedBy(2).compareTo(lease) > 0) {
            throw new ConfigException(
                    "worker renew interval (" + renewEvery.toMillis() + " ms) must be at most half the lease ("
                            + lease.toMillis() + " ms), so a live job's lease never runs out between renewals");
        }
    }

    public QueuePolicy policy(String queue) {
        return policies.getOrDefault(queue, defaultPolicy);
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void range(String name, int value, int min, int max) {
        if (value < min || value > max)
            throw new ConfigException(name + " must be " + min + ".." + max + ", got " + value);
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new ConfigException(name + " must be positive, got " + value);
        }
    }

    static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
        return host + "-" + pid + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
    }

    /** Starts from the documented defaults. */
    public static final class Builder {
        private String id = defaultId();
        private final Map<String, Integer> queues = new LinkedHashMap<>();
        private int concurrency = DEFAULT_CONCURRENCY;
        private int claimBatch = DEFAULT_CLAIM_BATCH;
        private Duration lease = DEFAULT_LEASE;
        private Duration renewEvery = DEFAULT_RENEW_EVERY;
        private Duration reapEvery = DEFAULT_REAP_EVERY;
        private Duration promoteEvery = DEFAULT_PROMOTE_EVERY;
        private Duration heartbeatEvery = DEFAULT_HEARTBEAT_EVERY;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private Duration hungJobGrace = DEFAULT_HUNG_JOB_GRACE;
        private int poisonLimit = DEFAULT_POISON_LIMIT;
        private QueuePolicy defaultPolicy = QueuePolicy.DEFAULT;
        private final Map<String, QueuePolicy> policies = new LinkedHashMap<>();
        private BreakerSettings breaker = BreakerSettings.DEFAULT;
        private Retention retention = Retention.DEFAULT;
        private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;
        private int maxSnoozes = DEFAULT_MAX_SNOOZES;

        public Builder id(String value) {
            id = value;
            return this;
        }

        public Builder queue(String name, int weight) {
            queues.put(name, weight);
            return this;
        }

        /** Parses "critical:6,default:2,low" (weight 1 when left out). */
        public Builder queues(String spec) {
            for (String part : spec.split(",")) {
                String item = part.trim();
                if (item.isEmpty()) continue;
                int colon = item.indexOf(':');
                if (colon < 0) {
                    queue(item, 1);
                    continue;
                }
                try {
                    queue(item.substring(0, colon), Integer.parseInt(item.substring(colon + 1)));
                } catch (NumberFormatException e) {
                    throw new ConfigException("worker queues: weight in '" + item + "' is not a number");
                }
            }
            return this;
        }

        public Builder concurrency(int value) {
            concurrency = value;
            return this;
        }

        public Builder claimBatch(int value) {
            claimBatch = value;
            return this;
        }

        public Builder lease(Duration value) {
            lease = value;
            return this;
        }

        public Builder renewEvery(Duration value) {
            renewEvery = value;
            return this;
        }

        public Builder reapEvery(Duration value) {
            reapEvery = value;
            return this;
        }

        public Builder promoteEvery(Duration value) {
            promoteEvery = value;
            return this;
        }

        public Builder heartbeatEvery(Duration value) {
            heartbeatEvery = value;
            return this;
        }

        public Builder shutdownGrace(Duration value) {
            shutdownGrace = value;
            return this;
        }

        public Builder hungJobGrace(Duration value) {
            hungJobGrace = value;
            return this;
        }

        public Builder poisonLimit(int value) {
            poisonLimit = value;
            return this;
        }

        public Builder defaultPolicy(QueuePolicy value) {
            defaultPolicy = value;
            return this;
        }

        public Builder policy(String queue, QueuePolicy value) {
            policies.put(queue, value);
            return this;
        }

        public Builder breaker(BreakerSettings value) {
            breaker = value;
            return this;
        }

        public Builder retention(Retention value) {
            retention = value;
            return this;
        }

        public Builder maxResultBytes(int value) {
            maxResultBytes = value;
            return this;
        }

        public Builder maxSnoozes(int value) {
            maxSnoozes = value;
            return this;
        }

        public WorkerConfig build() {
            return new WorkerConfig(
                    id,
                    queues,
                    concurrency,
                    claimBatch,
                    lease,
                    renewEvery,
                    reapEvery,
                    promoteEvery,
                    heartbeatEvery,
                    shutdownGrace,
                    hungJobGrace,
                    poisonLimit,
                    defaultPolicy,
                    policies,
                    breaker,
                    retention,
                    maxResultBytes,
                    maxSnoozes);
        }
    }
}
