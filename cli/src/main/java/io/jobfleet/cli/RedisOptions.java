package io.jobfleet.cli;

import io.github.resilience4j.core.IntervalFunction;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The Redis connection flags every command shares; the environment is read here, and only in the CLI. */
final class RedisOptions {
    private static final Logger log = LoggerFactory.getLogger(RedisOptions.class);

    @Option(
            names = "--redis-url",
            paramLabel = "URL",
            description =
                    "Redis URL (env JOBFLEET_REDIS_URL), e.g. redis://localhost:6379, rediss://user:pass@host:6380/0,"
                            + " redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster, redis-cluster://n1:6379,n2:6379")
    String url;

    @Option(
            names = "--redis-pool-size",
            paramLabel = "N",
            description = "Redis connections in the pool (env JOBFLEET_REDIS_POOL_SIZE; default ${DEFAULT-VALUE})")
    int poolSize;

    boolean given() {
        return url != null && !url.isBlank();
    }

    RedisSettings settings(String clientName) {
        return RedisSettings.fromUrl(url).withPoolSize(poolSize).withClientName(clientName);
    }

    Redis connect(String clientName) {
        return Redis.connect(settings(clientName));
    }

    /**
     * For long-running servers: waits for Redis with backoff (logged once, not per try) instead
     * of exiting, so a fleet started before its Redis comes up on its own. A wrong setting
     * (bad URL, eviction policy) still fails at once.
     */
    static Redis connectWaiting(RedisSettings settings) throws InterruptedException {
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(200, 2.0, 0.5, 5_000);
        for (int attempt = 1; ; attempt++) {
            try {
                Redis redis = Redis.connect(settings);
                if (attempt > 1) log.info("Redis at {} answers; starting", settings.address());
                return redis;
            } catch (RedisUnavailableException e) {
                if (attempt == 1) log.warn("waiting for Redis: {}", e.getMessage());
                Thread.sleep(backoff.apply(Math.min(attempt, 10)));
            }
        }
    }
}
