package io.jobfleet.cli;

import io.jobfleet.common.redis.Redis;
import io.jobfleet.common.redis.RedisSettings;
import picocli.CommandLine.Option;

/** The Redis connection flags every command shares; the environment is read here, and only in the CLI. */
final class RedisOptions {
    @Option(
            names = "--redis-url",
            paramLabel = "URL",
            defaultValue = "${env:JOBFLEET_REDIS_URL}",
            description =
                    "Redis URL (env JOBFLEET_REDIS_URL), e.g. redis://localhost:6379, rediss://user:pass@host:6380/0")
    String url;

    @Option(
            names = "--redis-pool-size",
            paramLabel = "N",
            defaultValue = "${env:JOBFLEET_REDIS_POOL_SIZE:-16}",
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
}
