package io.jobfleet.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A circuit breaker per job type, so a failing downstream stops burning attempts: while a
 * type's breaker is open its jobs are handed back with a delay and keep their attempts.
 */
final class Breakers {
    private final WorkerConfig.BreakerSettings settings;
    private final CircuitBreakerRegistry registry;

    Breakers(WorkerConfig.BreakerSettings settings) {
        this.settings = settings;
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(Math.max(1, Math.min(5, settings.minimumCalls())))
                // a safety net: a half-open breaker whose trials never all report goes back to open, then tries again
                .maxWaitDurationInHalfOpenState(settings.openFor())
                .build());
    }

    /** The breaker for a job type, or null when breakers are off. */
    CircuitBreaker forType(String type) {
        return settings.enabled() ? registry.circuitBreaker(type) : null;
    }

    /** Each job type's breaker state: 0 closed, 1 open, 2 half-open. */
    java.util.Map<String, Integer> states() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        registry.getAllCircuitBreakers()
                .forEach(b -> out.put(
                        b.getName(),
                        switch (b.getState()) {
                            case OPEN, FORCED_OPEN -> 1;
                            case HALF_OPEN -> 2;
                            default -> 0;
                        }));
        return out;
    }

    /** How long a job is put back while its breaker is open: half to all of the open period, spread out. */
    Duration handBackDelay() {
        long open = settings.openFor().toMillis();
        return Duration.ofMillis(open / 2 + ThreadLocalRandom.current().nextLong(open / 2 + 1));
    }
}
