package io.jobfleet.common.internal.redis;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;

/**
 * The Redis server of a test class: started before its first test, flushed before each test (unless
 * {@link #keepData}), stopped after its last. Register it as a static field,
 * {@code @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.topology();},
 * on the class or on a base class; extra redis-server options come from {@link Args} on the test
 * class (a cluster-enabled server serves all slots before anyone connects). {@link #server}, {@link #redis} and {@link #url} are valid from the class's
 * {@code @BeforeAll} methods on (the callback runs first) until its {@code @AfterAll} methods end.
 *
 * <p>A static field rather than {@code @ExtendWith} plus a parameter resolver: each user says
 * in code which server it wants ({@link #topology} or {@link #ownServer}, pool size, flushing), and
 * reads it through typed getters instead of parameters threaded through every method. The state
 * is the current class's: the suite runs test classes one at a time.
 *
 * <p>Modelled on db-scheduler's {@code EmbeddedPostgresqlExtension}; the server itself is
 * {@link TestRedis}'s, so {@code $JOBFLEET_TEST_REDIS} and {@code $JOBFLEET_TEST_TOPOLOGY} apply.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    /** Extra redis-server options for the annotated test class's server (inherited by subclasses). */
    @Inherited
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Args {
        String[] value();
    }

    private final boolean followTopology;
    private int poolSize;
    private boolean flush = true;
    private EmbeddedRedis server;
    private Redis redis;

    private RedisServerExtension(boolean followTopology) {
        this.followTopology = followTopology;
    }

    /**
     * A server of the class's own, but under {@code $JOBFLEET_TEST_TOPOLOGY} tests talk to the shared
     * Cluster or Sentinel set instead ({@link TestRedis#url}).
     */
    public static RedisServerExtension topology() {
        return new RedisServerExtension(true);
    }

    /** The class's own single server, whatever the topology (tests that kill or configure it). */
    public static RedisServerExtension ownServer() {
        return new RedisServerExtension(false);
    }

    /** The connection pool size of {@link #redis} (else the settings' default). */
    public RedisServerExtension poolSize(int size) {
        this.poolSize = size;
        return this;
    }

    /** No FLUSHALL before each test: the class seeds its data once. */
    public RedisServerExtension keepData() {
        this.flush = false;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Args args = context.getRequiredTestClass().getAnnotation(Args.class); // @Inherited: a base's too
        server = TestRedis.start(args == null ? new String[0] : args.value());
        if (args != null && List.of(args.value()).contains("--cluster-enabled")) serveAllSlots(server);
        redis = Redis.connect(settings());
    }

    /**
     * A cluster-enabled server of its own serves no slot: it takes all 16384 before anyone connects
     * (connecting reads the key-schema marker), and is ready when the node says cluster_state:ok.
     */
    private static void serveAllSlots(EmbeddedRedis server) {
        int[] slots = IntStream.range(0, 16384).toArray();
        try (Jedis node = new Jedis("127.0.0.1", server.port())) {
            node.clusterAddSlots(slots);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!node.clusterInfo().contains("cluster_state:ok")) {
                if (System.nanoTime() > deadline)
                    throw new AssertionError("cluster never became ok: " + node.clusterInfo());
                RealRedisTest.sleep(20);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (flush) TestRedis.flush(redis);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (redis != null) redis.close();
        if (server != null) server.close();
        redis = null;
        server = null;
    }

    /** The server this class started (even when tests talk to a shared Cluster or Sentinel set). */
    public EmbeddedRedis server() {
        if (server == null) throw new IllegalStateException("no Redis server: used outside its test class");
        return server;
    }

    /** The URL tests connect to. */
    public String url() {
        return followTopology ? TestRedis.url(server()) : server().url();
    }

    /** Settings for {@link #url}, with this extension's pool size. */
    public RedisSettings settings() {
        RedisSettings settings = RedisSettings.fromUrl(url());
        return poolSize > 0 ? settings.withPoolSize(poolSize) : settings;
    }

    /** The test's connection, open for the whole class. */
    public Redis redis() {
        if (redis == null) throw new IllegalStateException("no Redis connection: used outside its test class");
        return redis;
    }
}
