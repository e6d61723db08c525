package io.jobfleet.api;

import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Not a test: the server side of the enqueue benchmark in docs/benchmarks.md. Starts a
 * redis-server (AOF on, appendfsync everysec, noeviction, as {@code jobfleet dev}) and the API
 * with auth on and default settings but no pending-depth limit, and no worker, so that the load
 * generator measures enqueue alone. Runs until killed.
 *
 * <pre>java -cp ... io.jobfleet.api.EnqueueBench [api-port] [redis-server binary]</pre>
 *
 * The bearer token is {@code bench}.
 */
public final class EnqueueBench {
    private EnqueueBench() {}

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18181;
        Path binary = args.length > 1
                ? Path.of(args[1])
                : Files.isExecutable(Path.of("/usr/bin/redis-server")) ? Path.of("/usr/bin/redis-server") : null;
        EmbeddedRedis server = EmbeddedRedis.start(binary, 0, List.of());
        // the settings jobfleet api uses: pool of 16, 1 s connect and 2 s socket timeouts
        Redis redis = Redis.connect(RedisSettings.fromUrl(server.url())
                .withClientName("jobfleet-api")
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2)));
        Tokens tokens = Tokens.parse("bench submit,read " + Tokens.hash("bench"), "bench");
        // no pending-depth limit: a 20 s batch run enqueues more than the default 1,000,000, and 429s would flatter the
        // figure
        ApiConfig config = ApiConfig.defaults(tokens)
                .withAddress("127.0.0.1", port)
                .withLimits(ApiConfig.DEFAULT_MAX_BODY_BYTES, ApiConfig.DEFAULT_MAX_BATCH, 0, Map.of());
        ApiServer api = new ApiServer(redis, config).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            redis.close();
            server.close();
            stopped.countDown();
        }));
        System.out.println("bench API on http://127.0.0.1:" + api.port() + " (token 'bench'), Redis " + server.url()
                + " (" + server.binary() + ")");
        stopped.await();
    }
}
