package io.jobfleet.worker.testing;

import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker JVM for crash and shutdown tests, started by {@link ChildWorker}. Options (all
 * {@code --name value}): redis (URL, required), id, queues, concurrency, lease-ms, renew-ms,
 * reap-ms, grace-ms, hung-ms, poison. Unset ones keep the worker's documented defaults. Runs
 * {@link TestHandlers#standard}, stops gracefully on SIGTERM, and prints {@code READY <id>}
 * once started.
 */
public final class WorkerProcess {
    private WorkerProcess() {}

    public static void main(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
            options.put(args[i].substring(2), args[i + 1]);
        }
        String url = options.get("redis");
        String id =
                options.getOrDefault("id", "child-" + ProcessHandle.current().pid());
        WorkerConfig.Builder config = WorkerConfig.builder().id(id).queues(options.getOrDefault("queues", "default"));
        if (options.containsKey("concurrency")) config.concurrency(Integer.parseInt(options.get("concurrency")));
        if (options.containsKey("lease-ms")) config.lease(ms(options.get("lease-ms")));
        if (options.containsKey("renew-ms")) config.renewEvery(ms(options.get("renew-ms")));
        if (options.containsKey("reap-ms")) config.reapEvery(ms(options.get("reap-ms")));
        if (options.containsKey("grace-ms")) config.shutdownGrace(ms(options.get("grace-ms")));
        if (options.containsKey("hung-ms")) config.hungJobGrace(ms(options.get("hung-ms")));
        if (options.containsKey("poison")) config.poisonLimit(Integer.parseInt(options.get("poison")));
        Redis redis = Redis.connect(RedisSettings.fromUrl(url));
        Redis recorder = Redis.connect(RedisSettings.fromUrl(url).withClientName("recorder"));
        Worker worker = new Worker(redis, config.build(), TestHandlers.standard(recorder, id));
        worker.stopOnShutdown();
        worker.start();
        System.out.println("READY " + id);
        System.out.flush();
        // runs until SIGKILL, SIGTERM (graceful stop in the hook) or a crash job; and dies with the
        // test JVM that started it: our stdin is its pipe, closed when it exits
        try {
            while (System.in.read() != -1) {
                // nothing is sent; only the end matters
            }
        } catch (IOException e) {
            // the pipe broke: same as its end
        }
        Runtime.getRuntime().halt(3);
    }

    private static Duration ms(String value) {
        return Duration.ofMillis(Long.parseLong(value));
    }
}
