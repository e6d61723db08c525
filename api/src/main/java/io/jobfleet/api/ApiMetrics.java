package io.jobfleet.api;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Supplier;

/** The API's Prometheus metrics (names in docs/metrics.md). Labels are bounded: route patterns, not paths. */
final class ApiMetrics {
    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder()
            .name("jobfleet_api_requests_total")
            .help("API requests by route pattern, method and status")
            .labelNames("route", "method", "status")
            .register(registry);
    final Histogram duration = Histogram.builder()
            .name("jobfleet_api_request_duration_seconds")
            .help("API request latency by route pattern")
            .labelNames("route")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);
    final Counter enqueued = Counter.builder()
            .name("jobfleet_enqueued_total")
            .help("Jobs created by enqueue (replays not counted)")
            .labelNames("queue")
            .register(registry);
    final Counter redisErrors = Counter.builder()
            .name("jobfleet_redis_errors_total")
            .help("Redis calls that failed, by component")
            .labelNames("component")
            .register(registry);

    ApiMetrics(Supplier<Integer> breakerState) {
        redisErrors.labelValues("api"); // exported at 0 from the start, so rate() sees the first error
        GaugeWithCallback.builder()
                .name("jobfleet_circuit_breaker_state")
                .help("Circuit breaker state: 0 closed, 1 open, 2 half-open")
                .labelNames("name")
                .callback(cb -> cb.call(breakerState.get(), "api-redis"))
                .register(registry);
    }

    byte[] scrape() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write metrics", e);
        }
    }
}
