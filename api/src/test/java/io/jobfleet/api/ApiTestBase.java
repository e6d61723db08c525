package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.TestRedis;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One real redis-server ({@link #REDIS}) and one in-process {@link ApiServer} (loopback, a free
 * port, auth on) per test class; Redis is flushed before every test. The API has its own connection pool; the
 * test's pool ({@link #redis}) is only for assertions on raw Redis state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApiTestBase {
    static final String SUBMIT = "s1";
    static final String OTHER_SUBMIT = "s2";
    static final String READ = "r1";
    static final String ADMIN = "a1";
    static final Tokens TOKENS = Tokens.parse(
            "sub submit " + Tokens.hash(SUBMIT)
                    + "\nrd read " + Tokens.hash(READ)
                    + "\nad admin " + Tokens.hash(ADMIN)
                    + "\nsub2 submit " + Tokens.hash(OTHER_SUBMIT),
            "test");

    /** Flushed before every test; extra server options from {@link RedisServerExtension.Args}. */
    @RegisterExtension
    protected static final RedisServerExtension REDIS = RedisServerExtension.topology();

    protected EmbeddedRedis server;
    protected Redis apiRedis;
    protected Redis redis;
    protected ApiServer api;
    protected Http http;

    /** This class's API settings; the address is always loopback on a free port. */
    protected ApiConfig config() {
        return ApiConfig.defaults(TOKENS).withAddress("127.0.0.1", 0);
    }

    @BeforeAll
    void startApi() {
        server = REDIS.server();
        redis = REDIS.redis();
        apiRedis = Redis.connect(REDIS.settings().withPoolSize(32));
        api = new ApiServer(apiRedis, config()).start();
        http = new Http(api.port());
    }

    @AfterAll
    void stopApi() {
        if (api != null) api.close();
        if (apiRedis != null) apiRedis.close();
    }

    static String jobsPath(String queue) {
        return "/v1/queues/" + queue + "/jobs";
    }

    /** Declares the queue's partition count through the API (so the API's own layout knows it at once). */
    protected void declarePartitions(String queue, int count) {
        Http.Response declared = http.send(
                "PUT",
                "/v1/queues/" + queue + "/partitions",
                ADMIN,
                java.net.http.HttpRequest.BodyPublishers.ofString("{\"count\":" + count + "}"),
                "Content-Type",
                "application/json");
        org.assertj.core.api.Assertions.assertThat(declared.status())
                .as("%s", declared)
                .isEqualTo(200);
    }

    static String jobPath(String queue, String id) {
        return jobsPath(queue) + "/" + id;
    }

    Http.Response enqueue(String queue, String json, String... headers) {
        return http.post(jobsPath(queue), SUBMIT, json, headers);
    }

    /** Enqueues with the submit token and returns the new job's id (asserting 201). */
    String enqueueId(String queue, String json, String... headers) {
        Http.Response r = enqueue(queue, json, headers);
        assertThat(r.status()).as("enqueue answer %s", r).isEqualTo(201);
        return r.json().path("id").asText();
    }

    /** The job as {@code GET /v1/queues/{queue}/jobs/{id}} shows it to an admin. */
    JsonNode job(String queue, String id) {
        Http.Response r = http.get(jobPath(queue, id), ADMIN);
        assertThat(r.status()).as("GET job %s: %s", id, r).isEqualTo(200);
        return r.json();
    }

    /** Asserts the one error shape: {"error": {"code", "message", "requestId"}}, requestId = X-Request-Id. */
    static JsonNode assertError(Http.Response r, int status, String code) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        JsonNode error = r.json().path("error");
        assertThat(error.path("code").asText()).as("error code of %s", r).isEqualTo(code);
        assertThat(error.path("message").asText()).as("error message of %s", r).isNotBlank();
        assertThat(error.path("requestId").asText())
                .as("requestId of %s", r)
                .isNotBlank()
                .isEqualTo(r.header("X-Request-Id"));
        assertThat(r.json().size()).as("only 'error' at the top of %s", r).isEqualTo(1);
        return error;
    }

    /** Every key with its serialized value (DUMP): equal snapshots mean Redis holds exactly the same data. */
    Map<String, String> snapshot() {
        return TestRedis.raw(redis, j -> {
            Map<String, String> all = new TreeMap<>();
            for (String key : j.keys("*")) {
                byte[] value = j.dump(key);
                if (value != null) all.put(key, Base64.getEncoder().encodeToString(value));
            }
            return all;
        });
    }

    long dbSize() {
        return TestRedis.raw(redis, j -> j.dbSize());
    }

    Set<String> jobKeys(String queue) {
        return TestRedis.raw(redis, j -> j.keys(Keys.of(queue).prefix() + "job:*"));
    }

    long pendingDepth(String queue) {
        return TestRedis.raw(redis, j -> j.llen(Keys.of(queue).pending()));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
