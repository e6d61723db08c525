package io.jobfleet.worker.testing;

import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one main of the worker JVMs tests start ({@link ChildWorker}). Options (all {@code --name
 * value}): redis (URL, required), id, queues, concurrency, lease-ms, renew-ms, reap-ms, grace-ms,
 * hung-grace-ms, poison, breaker ({@code off}: no circuit breakers), history (a directory, for the
 * fault suite's handlers), fleet (the class name of the {@link Fleet} to run; default
 * {@link Standard}). Unset ones keep the worker's documented defaults. Stops gracefully on SIGTERM,
 * prints {@code READY <id>} once started, and dies with the test JVM.
 */
public final class ChildWorkerMain {
    private ChildWorkerMain() {}

    /** What a child JVM runs: its handlers, and what it says before {@code READY}. */
    public interface Fleet {
        /** Adjusts the config built from the options (this fleet's fixed settings). */
        default void configure(WorkerConfig.Builder config) {}

        Handlers handlers(Options options, Redis redis);

        /** Lines printed before {@code READY <id>}, after the worker started. */
        default List<String> announcements() {
            return List.of();
        }
    }

    /** The test fleet's handlers ({@link TestHandlers#standard}), runs recorded in the Redis under test. */
    public static final class Standard implements Fleet {
        @Override
        public Handlers handlers(Options options, Redis redis) {
            Redis recorder =
                    Redis.connect(RedisSettings.fromUrl(options.redisUrl()).withClientName("recorder"));
            return TestHandlers.standard(recorder, options.id());
        }
    }

    /** The parsed {@code --name value} options. */
    public record Options(Map<String, String> values) {
        public static Options parse(String... args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                if (!args[i].startsWith("--"))
                    throw new IllegalArgumentException("expected --name value, got " + args[i]);
                values.put(args[i].substring(2), args[i + 1]);
            }
            return new Options(Map.copyOf(values));
        }

        public String redisUrl() {
            return values.get("redis");
        }

        public String id() {
            return values.getOrDefault("id", "child-" + ProcessHandle.current().pid());
        }

        /** The history directory of the fault suite ({@code --history}). */
        public Path history() {
            return Path.of(values.get("history"));
        }

        /** The worker config the options ask for. */
        public WorkerConfig.Builder config() {
            WorkerConfig.Builder config =
                    WorkerConfig.builder().id(id()).queues(values.getOrDefault("queues", "default"));
            if (values.containsKey("concurrency")) config.concurrency(Integer.parseInt(values.get("concurrency")));
            if (values.containsKey("lease-ms")) config.lease(ms("lease-ms"));
            if (values.containsKey("renew-ms")) config.renewEvery(ms("renew-ms"));
            if (values.containsKey("reap-ms")) config.reapEvery(ms("reap-ms"));
            if (values.containsKey("grace-ms")) config.shutdownGrace(ms("grace-ms"));
            if (values.containsKey("hung-grace-ms")) config.hungJobGrace(ms("hung-grace-ms"));
            if (values.containsKey("poison")) config.poisonLimit(Integer.parseInt(values.get("poison")));
            if ("off".equals(values.get("breaker"))) config.breaker(WorkerConfig.BreakerSettings.OFF);
            return config;
        }

        private Duration ms(String name) {
            return Duration.ofMillis(Long.parseLong(values.get(name)));
        }
    }

    public static void main(String[] args) throws ReflectiveOperationException {
        Options options = Options.parse(args);
        Fleet fleet = fleet(options.values().getOrDefault("fleet", Standard.class.getName()));
        WorkerConfig.Builder config = options.config();
        fleet.configure(config);
        Redis redis = Redis.connect(RedisSettings.fromUrl(options.redisUrl()));
        Worker worker = new Worker(redis, config.build(), fleet.handlers(options, redis));
        worker.stopOnShutdown();
        worker.start();
        fleet.announcements().forEach(System.out::println);
        System.out.println("READY " + options.id());
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

    private static Fleet fleet(String className) throws ReflectiveOperationException {
        var constructor = Class.forName(className).asSubclass(Fleet.class).getDeclaredConstructor();
        constructor.setAccessible(true);
        return constructor.newInstance();
    }
}
