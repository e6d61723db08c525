package io.jobfleet.worker;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.IntSupplier;

/**
 * A worker's Prometheus metrics (every name is listed in docs/metrics.md). Labels stay bounded:
 * queue, job type, outcome, never a job id.
 */
public final class WorkerMetrics {
    private static final double[] DURATION_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900};

    private final PrometheusRegistry registry;
    final Counter completed;
    final Counter snoozed;
    final Histogram duration;
    final Histogram wait;
    final Counter orphansRecovered;
    final Counter leaseRenewalsLost;
    final Counter redisErrors;

    public WorkerMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        completed = Counter.builder()
                .name("jobfleet_jobs_completed_total")
                .help(
                        "Finished attempts by outcome: succeeded, retried, dead, cancelled, lost (lease lost), handed_back")
                .labelNames("queue", "type", "outcome")
                .register(registry);
        snoozed = Counter.builder()
                .name("jobfleet_jobs_snoozed_total")
                .help("Runs whose handler snoozed the job (again later, no attempt spent); not in jobs_completed")
                .labelNames("queue", "type")
                .register(registry);
        duration = Histogram.builder()
                .name("jobfleet_job_duration_seconds")
                .help("Time a handler ran, per attempt")
                .labelNames("queue", "type")
                .classicUpperBounds(DURATION_BUCKETS)
                .register(registry);
        wait = Histogram.builder()
                .name("jobfleet_job_wait_seconds")
                .help("Time from (re)entering pending to being claimed, on the Redis clock")
                .labelNames("queue")
                .classicUpperBounds(DURATION_BUCKETS)
                .register(registry);
        orphansRecovered = Counter.builder()
                .name("jobfleet_orphans_recovered_total")
                .help("Jobs whose lease expired (worker died, hung or lost Redis) taken back by this worker's reaper")
                .labelNames("queue")
                .register(registry);
        leaseRenewalsLost = Counter.builder()
                .name("jobfleet_lease_renewals_lost_total")
                .help("Running jobs this worker found it no longer owned at renewal")
                .labelNames("queue")
                .register(registry);
        redisErrors = Counter.builder()
                .name("jobfleet_redis_errors_total")
                .help("Redis calls that failed, by component")
                .labelNames("component")
                .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    void slots(IntSupplier busy, int total) {
        GaugeWithCallback.builder()
                .name("jobfleet_worker_slots")
                .help("Worker slots by state: busy or idle")
                .labelNames("state")
                .callback(cb -> {
                    int b = busy.getAsInt();
                    cb.call(b, "busy");
                    cb.call(Math.max(0, total - b), "idle");
                })
                .register(registry);
    }

    /**
     * Exports the counters of rare events at 0 from the start, so that rate() and increase() see
     * their first increment and dashboards show 0 rather than no data.
     */
    void zero(Iterable<String> queues, Iterable<String> types) {
        for (String queue : queues) {
            orphansRecovered.labelValues(queue);
            leaseRenewalsLost.labelValues(queue);
            for (String type : types) snoozed.labelValues(queue, type);
        }
        redisErrors.labelValues("worker");
    }

    void breakers(Breakers breakers) {
        GaugeWithCallback.builder()
                .name("jobfleet_circuit_breaker_state")
                .help("Circuit breaker state: 0 closed, 1 open, 2 half-open")
                .labelNames("name")
                .callback(cb -> breakers.states().forEach((type, state) -> cb.call(state, "type:" + type)))
                .register(registry);
    }
}
