package io.jobfleet.api;

import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.demo.SleepHandler;
import java.time.Duration;

/**
 * A real worker for API tests, started at once: the demo SleepHandler (which reports progress) on
 * one queue, on its own connection pool, with short intervals so jobs start within milliseconds.
 */
final class SleepWorker implements AutoCloseable {
    private final Redis pool;
    private final Worker worker;

    SleepWorker(String redisUrl, String id, String queue) {
        this.pool = Redis.connect(RedisSettings.fromUrl(redisUrl).withClientName(id));
        WorkerConfig config = WorkerConfig.builder()
                .id(id)
                .queues(queue)
                .concurrency(2)
                .shutdownGrace(Duration.ofMillis(500))
                .promoteEvery(Duration.ofMillis(20))
                .build();
        this.worker = new Worker(pool, config, new Handlers().add(new SleepHandler()));
        worker.start();
    }

    @Override
    public void close() {
        worker.stop();
        pool.close();
    }
}
