package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Readiness reports Redis, the loaded scripts and the pool; /metrics labels requests by route
 * pattern so that ids and queue names never become label values. (Readiness while Redis is down
 * is in {@link RedisOutageTest}.)
 */
class HealthAndMetricsTest extends ApiTestBase {
    /** One sample line; label values hold braces ("{queue}"), so the labels run to the last "} ". */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^jobfleet_api_requests_total\\{(.*)\\} (\\S+)$");

    @Test
    void liveAnswersWithAVersion() {
        Http.Response r = http.get("/health/live", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("live");
        assertThat(r.json().path("version").asText()).isNotBlank();
    }

    private static final int LUA_FILES = luaFiles();

    private static int luaFiles() {
        try (java.util.stream.Stream<java.nio.file.Path> files =
                java.nio.file.Files.list(java.nio.file.Path.of("../common/src/main/resources/jobfleet/lua"))) {
            return (int) files.filter(f -> f.toString().endsWith(".lua")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void readyReportsRedisScriptsAndThePool() {
        Http.Response r = http.get("/health/ready", null);

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.path("status").asText()).isEqualTo("ready");
        assertThat(body.path("redis").asText()).isEqualTo("ok");
        // one script per operation: every file under /jobfleet/lua is loaded
        assertThat(body.path("scripts").asInt()).isEqualTo(LUA_FILES);
        assertThat(body.path("circuitBreaker").asText()).isEqualTo("CLOSED");
        JsonNode pool = body.path("pool");
        assertThat(pool.path("max").asInt()).isEqualTo(32);
        assertThat(pool.path("active").asInt()).isBetween(0, 32);
        assertThat(pool.path("idle").asInt()).isBetween(0, 32);
    }

    @Test
    void metricsLabelRequestsByRoutePatternNeverByRawPath() {
        String queue = "metricsq";
        String id = enqueueId(queue, "{\"type\":\"t\"}");
        http.get(jobPath(queue, id), READ);
        http.get(jobPath(queue, "zz-no-such-job"), READ);
        http.post(jobPath(queue, id) + "/cancel", ADMIN, null);
        http.get("/v1/queues/" + queue, READ);
        http.get("/v1/unknown-" + id, READ);
        http.get("/v1/queues", null);

        Http.Response r = http.get("/metrics", null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        String text = r.body();
        assertThat(text)
                .contains("# TYPE jobfleet_api_requests_total counter")
                .contains("jobfleet_api_request_duration_seconds_bucket")
                .contains("jobfleet_enqueued_total{queue=\"" + queue + "\"} 1.0")
                .contains("jobfleet_circuit_breaker_state");
        List<String> routes = SAMPLE.matcher(text)
                .results()
                .map(m -> label(m.group(1), "route"))
                .distinct()
                .toList();
        assertThat(routes)
                .contains(
                        "/v1/queues/{queue}/jobs",
                        "/v1/queues/{queue}/jobs/{id}",
                        "/v1/queues/{queue}/jobs/{id}/cancel",
                        "/v1/queues/{queue}",
                        "/v1/queues")
                .allSatisfy(route -> assertThat(route)
                        .doesNotContain(id)
                        .doesNotContain(queue)
                        .doesNotContain("zz-no-such-job")
                        .doesNotContain("unknown"));
        assertThat(text).doesNotContain(id).doesNotContain("zz-no-such-job");
        assertThat(requests(text, "/v1/queues/{queue}/jobs/{id}", "GET", "404")).isEqualTo(1);
        assertThat(requests(text, "/v1/queues/{queue}/jobs", "POST", "201")).isEqualTo(1);
        assertThat(requests(text, "/v1/queues", "GET", "401")).isEqualTo(1);
    }

    private static double requests(String text, String route, String method, String status) {
        Matcher m = SAMPLE.matcher(text);
        double total = 0;
        while (m.find()) {
            String labels = m.group(1);
            if (route.equals(label(labels, "route"))
                    && method.equals(label(labels, "method"))
                    && status.equals(label(labels, "status"))) total += Double.parseDouble(m.group(2));
        }
        return total;
    }

    private static String label(String labels, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(labels);
        return m.find() ? m.group(1) : null;
    }
}
