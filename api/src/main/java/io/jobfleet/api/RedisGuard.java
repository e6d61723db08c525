package io.jobfleet.api;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Redis call of the API goes through this circuit breaker. While Redis is down the
 * breaker opens and requests get 503 with Retry-After at once instead of waiting on timeouts;
 * after {@code openFor} a few requests probe Redis and, if it answers, traffic flows again:
 * the API recovers without a restart. Memory full is a 503 too, but does not open the breaker:
 * reads and cancels still work then.
 */
final class RedisGuard {
    private static final Logger log = LoggerFactory.getLogger(RedisGuard.class);
    private final CircuitBreaker breaker;
    private final int retryAfterSeconds;
    private final Runnable onRedisError;

    RedisGuard(Duration openFor, Runnable onRedisError) {
        this.onRedisError = onRedisError;
        this.retryAfterSeconds = (int) Math.max(1, openFor.toSeconds());
        this.breaker = CircuitBreaker.of(
                "redis",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(20)
                        .minimumNumberOfCalls(5)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(openFor)
                        .permittedNumberOfCallsInHalfOpenState(2)
                        .recordException(e ->
                                e instanceof RedisUnavailableException && !(e instanceof RedisOutOfMemoryException))
                        .build());
        breaker.getEventPublisher().onStateTransition(e -> {
            switch (e.getStateTransition().getToState()) {
                case OPEN ->
                    log.warn(
                            "Redis circuit breaker open: answering 503 for {} s before probing again",
                            retryAfterSeconds);
                case CLOSED -> log.info("Redis circuit breaker closed: Redis answers again");
                default -> {}
            }
        });
    }

    <T> T call(Supplier<T> command) {
        try {
            return breaker.executeSupplier(command);
        } catch (CallNotPermittedException e) {
            throw new ApiError(
                    503,
                    "redis_unavailable",
                    "Redis is unavailable (circuit breaker open); retry later",
                    retryAfterSeconds);
        } catch (RedisOutOfMemoryException e) {
            onRedisError.run();
            throw new ApiError(503, "redis_out_of_memory", e.getMessage(), retryAfterSeconds);
        } catch (RedisUnavailableException e) {
            onRedisError.run();
            throw new ApiError(503, "redis_unavailable", e.getMessage(), 1);
        }
    }

    void run(Runnable command) {
        call(() -> {
            command.run();
            return null;
        });
    }

    CircuitBreaker.State state() {
        return breaker.getState();
    }
}
