package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Keys;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metrics side of the operations kit against a real API and worker process: every metric
 * name the dashboard, the alert rules and the docs use is in their scrapes; promtool accepts the
 * scrapes and the rules (and the rules' unit tests pass); a real Prometheus evaluates every
 * dashboard query and rule without error; and the metrics move through a job's life.
 */
class ObservabilityMetricsIT {
    private static final Pattern TABLE_ROW =
            Pattern.compile("\\| `(jobfleet_[a-z_]+)` \\| (\\w+) \\|([^|]*)\\|([^|]*)\\|.*");
    static ObsFleet fleet;

    @BeforeAll
    static void start() {
        fleet = ObsFleet.start("obs,life", Map.of());
        // flow-control state as the claim script leaves it: a limit on echo jobs that does not
        // bind, and a scope that once held a job back, so the limit metrics have series
        Keys obs = Keys.of("obs");
        ObsTools.ok(
                "redis-cli",
                "-u",
                fleet.redis.url(),
                "HSET",
                obs.limits(),
                "c:type:echo",
                "50",
                "r:type:echo",
                "1000 1000");
        ObsTools.ok("redis-cli", "-u", fleet.redis.url(), "HSET", obs.throttledBy(), "type:echo", "1");
        ObsTools.await(Duration.ofSeconds(15), "the limit metrics in the worker's scrape", () -> fleet.scrapeWorker()
                .sampleNames()
                .containsAll(List.of("jobfleet_limit_usage", "jobfleet_limit", "jobfleet_jobs_throttled_total")));
    }

    @AfterAll
    static void stop() {
        if (fleet != null) fleet.close();
    }

    @Test
    void theNameExtractorFindsMetricNamesOnly() {
        assertThat(
                        ObsPromQL.metricNames(
                                "histogram_quantile(0.95, sum by (le, type) (rate(a_bucket{queue=~\"$queue\",x=\"}\"}[$__rate_interval])))"))
                .containsExactly("a_bucket");
        assertThat(ObsPromQL.metricNames("max by (queue) (b{state=\"dead\"}) - max by (queue) (b offset 10m) > 20"))
                .containsExactly("b");
        assertThat(ObsPromQL.metricNames("(count(c) or vector(0)) == 0 and on () sum(max by (queue) (d)) > 0"))
                .containsExactly("c", "d");
        assertThat(ObsPromQL.metricNames("x / ignoring(state) group_left y > 1e-3 unless on(queue) z"))
                .containsExactly("x", "y", "z");
        assertThat(ObsPromQL.metricNames("label_values(jobfleet_queue_depth, queue)"))
                .containsExactly("jobfleet_queue_depth");
    }

    @Test
    void everyMetricNameInTheDashboardAlertsAndDocsIsInTheScrapes() {
        String q = "obs";
        HttpResponse<String> parted =
                ObsFleet.send(java.net.http.HttpRequest.newBuilder(fleet.api("/v1/queues/" + q + "/partitions"))
                        .header("Authorization", "Bearer " + ObsFleet.TOKEN)
                        .header("Content-Type", "application/json")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"count\":2}")));
        assertThat(parted.statusCode()).as("partition %s: %s", q, parted.body()).isEqualTo(200); // the partition gauge
        fleet.enqueue(q, "{\"type\":\"echo\",\"payload\":{\"n\":1}}");
        fleet.enqueue(q, "{\"type\":\"fail\",\"payload\":{\"times\":1}}");
        fleet.enqueue(q, "{\"type\":\"fail\",\"payload\":{}}");
        ObsTools.await(Duration.ofSeconds(20), "succeeded, retried and dead outcomes, and the depth gauges", () -> {
            ObsScrape w = fleet.scrapeWorker();
            return w.value("jobfleet_jobs_completed_total", "queue", q, "outcome", "succeeded") >= 2
                    && w.value("jobfleet_jobs_completed_total", "queue", q, "outcome", "dead") >= 1
                    && fleet.scrapeApi().max("jobfleet_queue_depth", "queue", q, "state", "dead") >= 1
                    && w.sampleNames().contains("jobfleet_queue_partition_pending");
        });
        String apiText = fleet.text(fleet.api("/metrics"));
        String workerText = fleet.text(fleet.worker("/metrics"));
        for (String text : List.of(apiText, workerText)) {
            ObsTools.Result lint =
                    ObsTools.run(Duration.ofSeconds(30), Map.of(), text, List.of("promtool", "check", "metrics"));
            assertThat(lint.exitCode())
                    .as("promtool check metrics:\n%s", lint.output())
                    .isZero();
        }
        ObsScrape api = ObsScrape.parse(apiText);
        ObsScrape worker = ObsScrape.parse(workerText);
        Set<String> samples = new TreeSet<>(api.sampleNames());
        samples.addAll(worker.sampleNames());
        Map<String, String> families = new TreeMap<>(api.types());
        families.putAll(worker.types());

        Map<String, String> queries = new TreeMap<>();
        queries.putAll(ObsSources.dashboardQueries());
        ObsSources.alertExprs().forEach((alert, expr) -> queries.put("alert " + alert, expr));
        queries.putAll(ObsSources.docQueries());
        assertThat(ObsSources.dashboardQueries()).hasSizeGreaterThan(25);
        assertThat(ObsSources.alertExprs()).hasSize(9);
        List<String> missing = new ArrayList<>();
        queries.forEach((where, expr) -> {
            Set<String> names = ObsPromQL.metricNames(expr);
            if (names.isEmpty()) missing.add(where + ": no metric found in '" + expr + "'");
            for (String name : names) {
                if (!samples.contains(name)) missing.add(where + ": " + name);
            }
        });
        ObsSources.metricMentions().forEach((file, mentions) -> {
            for (String mention : mentions) {
                for (String name : ObsPromQL.metricNames(mention)) {
                    if (!samples.contains(name) && !families.containsKey(name)) missing.add(file + ": " + name);
                }
            }
        });
        assertThat(missing)
                .as("metric names used but not scraped from the API and the worker (samples: %s)", samples)
                .isEmpty();

        Map<String, Set<String>> documented = new TreeMap<>();
        for (String line : ObsTools.read("docs/metrics.md").lines().toList()) {
            Matcher row = TABLE_ROW.matcher(line);
            if (!row.matches()) continue;
            assertThat(row.group(2))
                    .as("type of %s in docs/metrics.md", row.group(1))
                    .isEqualTo(families.get(row.group(1)));
            assertThat(row.group(4).contains("API"))
                    .as("docs/metrics.md: %s exported by the API", row.group(1))
                    .isEqualTo(api.types().containsKey(row.group(1)));
            assertThat(row.group(4).contains("worker"))
                    .as("docs/metrics.md: %s exported by workers", row.group(1))
                    .isEqualTo(worker.types().containsKey(row.group(1)));
            Set<String> labels = new TreeSet<>();
            for (String label : row.group(3).split(",")) {
                if (!label.isBlank()) labels.add(label.strip().replace("`", ""));
            }
            documented.put(row.group(1), labels);
        }
        Map<String, Set<String>> scraped = new TreeMap<>();
        families.keySet().stream().filter(f -> f.startsWith("jobfleet_")).forEach(f -> {
            Set<String> labels = new TreeSet<>(api.labelNames(f));
            labels.addAll(worker.labelNames(f));
            scraped.put(f, labels);
        });
        assertThat(documented)
                .as("docs/metrics.md lists every scraped jobfleet_ family with its labels, and nothing else")
                .isEqualTo(scraped);
    }

    @Test
    void alertRulesPassPromtoolFireInTheirUnitTestsAndLinkTheirRunbooks() {
        Path rules = ObsTools.file("grafana/alerts.yml");
        assertThat(ObsTools.ok("promtool", "check", "rules", rules.toString())).contains("SUCCESS: 9 rules found");
        assertThat(ObsTools.ok(
                        "promtool",
                        "test",
                        "rules",
                        ObsTools.file("grafana/alerts_test.yml").toString()))
                .contains("SUCCESS");
        Map<String, String> runbooks = ObsSources.runbookUrls();
        assertThat(runbooks.keySet())
                .containsExactlyElementsOf(ObsSources.alertExprs().keySet());
        String index = ObsTools.read("runbooks/README.md");
        runbooks.forEach((alert, url) -> {
            assertThat(url).as(alert).startsWith("runbooks/").endsWith(".md");
            assertThat(ObsTools.root().resolve(url)).as("runbook of %s", alert).exists();
            assertThat(ObsTools.read(url)).as(url).startsWith("# " + alert + "\n");
            assertThat(index)
                    .as("runbooks/README.md lists %s", alert)
                    .contains("`" + alert + "` | [" + url.substring(9));
        });
    }

    @Test
    void aJobsLifeMovesTheMetricsOnRealScrapes() {
        String q = "life";
        double enqueued = fleet.scrapeApi().value("jobfleet_enqueued_total", "queue", q);
        double created = fleet.scrapeApi()
                .value(
                        "jobfleet_api_requests_total",
                        "route",
                        "/v1/queues/{queue}/jobs",
                        "method",
                        "POST",
                        "status",
                        "201");
        ObsTools.await(
                Duration.ofSeconds(10),
                "an idle worker before the job",
                () -> fleet.scrapeWorker().value("jobfleet_worker_slots", "state", "busy") == 0);

        fleet.enqueue(q, "{\"type\":\"sleep\",\"payload\":{\"ms\":8000}}");
        assertThat(fleet.scrapeApi().value("jobfleet_enqueued_total", "queue", q))
                .as("enqueue counts at once")
                .isEqualTo(enqueued + 1);

        ObsTools.await(Duration.ofSeconds(10), "a busy slot and active depth 1 while the sleep job runs", () -> {
            ObsScrape w = fleet.scrapeWorker();
            return w.value("jobfleet_worker_slots", "state", "busy") == 1
                    && w.value("jobfleet_worker_slots", "state", "idle") == 3
                    && ObsScrape.max(
                                    List.of(w, fleet.scrapeApi()),
                                    "jobfleet_queue_depth",
                                    "queue",
                                    q,
                                    "state",
                                    "active")
                            == 1;
        });

        fleet.enqueue(q, "{\"type\":\"fail\",\"payload\":{}}");
        long started = System.nanoTime();
        long[] seen = {-1, -1}; // when retried, then dead, first rose
        ObsTools.await(Duration.ofSeconds(15), "the failing job retried, then dead", () -> {
            ObsScrape w = fleet.scrapeWorker();
            long now = System.nanoTime() - started;
            if (seen[0] < 0
                    && w.value("jobfleet_jobs_completed_total", "queue", q, "type", "fail", "outcome", "retried") == 1)
                seen[0] = now;
            if (seen[1] < 0
                    && w.value("jobfleet_jobs_completed_total", "queue", q, "type", "fail", "outcome", "dead") == 1)
                seen[1] = now;
            return seen[0] >= 0 && seen[1] >= 0;
        });
        assertThat(seen[0]).as("retried is counted no later than dead").isLessThanOrEqualTo(seen[1]);
        ObsTools.await(
                Duration.ofSeconds(12),
                "dead depth 1 (gauges are read every 5 s)",
                () -> ObsScrape.max(
                                List.of(fleet.scrapeWorker(), fleet.scrapeApi()),
                                "jobfleet_queue_depth",
                                "queue",
                                q,
                                "state",
                                "dead")
                        == 1);

        ObsTools.await(Duration.ofSeconds(15), "the sleep job succeeded and its slot is free", () -> {
            ObsScrape w = fleet.scrapeWorker();
            return w.value("jobfleet_jobs_completed_total", "queue", q, "type", "sleep", "outcome", "succeeded") == 1
                    && w.value("jobfleet_worker_slots", "state", "busy") == 0;
        });
        ObsScrape after = fleet.scrapeWorker();
        assertThat(after.value("jobfleet_job_duration_seconds_count", "queue", q, "type", "sleep"))
                .isEqualTo(1);
        assertThat(after.value("jobfleet_job_duration_seconds_sum", "queue", q, "type", "sleep"))
                .as("the handler ran about 8 s")
                .isBetween(7.5, 30.0);
        assertThat(after.value("jobfleet_job_duration_seconds_count", "queue", q, "type", "fail"))
                .isEqualTo(2);
        assertThat(after.value("jobfleet_job_wait_seconds_count", "queue", q))
                .as("a wait per claim: sleep once, fail twice")
                .isEqualTo(3);
        assertThat(after.value("jobfleet_jobs_completed_total", "queue", q, "outcome", "succeeded"))
                .isEqualTo(1);
        assertThat(after.value("jobfleet_jobs_completed_total", "queue", q, "outcome", "retried"))
                .isEqualTo(1);
        assertThat(after.value("jobfleet_jobs_completed_total", "queue", q, "outcome", "dead"))
                .isEqualTo(1);
        ObsTools.await(
                Duration.ofSeconds(12),
                "active depth back to 0",
                () -> ObsScrape.max(
                                List.of(fleet.scrapeWorker(), fleet.scrapeApi()),
                                "jobfleet_queue_depth",
                                "queue",
                                q,
                                "state",
                                "active")
                        == 0);
        assertThat(fleet.scrapeApi()
                        .value(
                                "jobfleet_api_requests_total",
                                "route",
                                "/v1/queues/{queue}/jobs",
                                "method",
                                "POST",
                                "status",
                                "201"))
                .isEqualTo(created + 2);
    }

    @Test
    void aRedisStallShowsAsApi503sRedisErrorsAndAnOpenBreakerThatClosesAgain() {
        ObsScrape before = fleet.scrapeApi();
        double errors = before.value("jobfleet_redis_errors_total", "component", "api");
        double unavailable = before.value("jobfleet_api_requests_total", "status", "503");
        assertThat(before.value("jobfleet_circuit_breaker_state", "name", "api-redis"))
                .isZero();
        // Writes (and scripts) wait for 4 s: longer than the API's 2 s command timeout. Twelve failures
        // are more than half of the breaker's window of 20 calls, whatever came before.
        ObsTools.ok("redis-cli", "-u", fleet.redis.url(), "CLIENT", "PAUSE", "4000", "WRITE");
        List<CompletableFuture<HttpResponse<String>>> producers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            producers.add(ObsFleet.http()
                    .sendAsync(fleet.post("obs", "{\"type\":\"noop\"}").build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> producer : producers) {
            HttpResponse<String> response = producer.join();
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.body()).contains("\"code\":\"redis_unavailable\"");
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
        }
        ObsScrape during = fleet.scrapeApi();
        assertThat(during.value("jobfleet_api_requests_total", "status", "503")).isEqualTo(unavailable + 12);
        assertThat(during.value("jobfleet_redis_errors_total", "component", "api"))
                .isEqualTo(errors + 12);
        assertThat(during.value("jobfleet_circuit_breaker_state", "name", "api-redis"))
                .as("the API's breaker opened")
                .isEqualTo(1);
        ObsTools.await(Duration.ofSeconds(20), "the breaker probing Redis and closing again", () -> {
            ObsFleet.send(fleet.post("obs", "{\"type\":\"noop\"}"));
            return fleet.scrapeApi().value("jobfleet_circuit_breaker_state", "name", "api-redis") == 0;
        });
    }

    @Test
    void theImageHealthchecksAnswerOnARealApiAndWorker() {
        Matcher image = Pattern.compile("JOBFLEET_HEALTH_URL=\"http://127\\.0\\.0\\.1:8080(/[^\"]*)\"")
                .matcher(ObsTools.read("docker/Dockerfile"));
        assertThat(image.find())
                .as("the Dockerfile's default JOBFLEET_HEALTH_URL, on the API's port")
                .isTrue();
        Matcher compose = Pattern.compile("JOBFLEET_HEALTH_URL: http://127\\.0\\.0\\.1:9400(/\\S*)")
                .matcher(ObsTools.read("docker/docker-compose.yml"));
        assertThat(compose.find())
                .as("the worker's JOBFLEET_HEALTH_URL in docker-compose.yml, on its metrics port")
                .isTrue();
        assertThat(fleet.status(fleet.api(image.group(1)))).isEqualTo(200);
        assertThat(fleet.status(fleet.worker(compose.group(1)))).isEqualTo(200);
    }

    @Test
    void aRealPrometheusEvaluatesEveryDashboardQueryAndAlertRule() throws Exception {
        fleet.enqueue("obs", "{\"type\":\"echo\",\"payload\":{}}");
        Path dir = Files.createTempDirectory("obs-prometheus");
        int port = ObsTools.freePort();
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: jobfleet-api
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                  - job_name: jobfleet-worker
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                """.formatted(
                        ObsTools.file("grafana/alerts.yml"), fleet.apiPort, fleet.metricsPort));
        Process prometheus = new ProcessBuilder(
                        "prometheus",
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        try {
            URI base = URI.create("http://127.0.0.1:" + port);
            ObsTools.await(Duration.ofSeconds(30), "Prometheus scraping the API and the worker", () -> {
                if (!prometheus.isAlive())
                    throw new AssertionError("prometheus exited: " + read(dir.resolve("prometheus.log")));
                JsonNode up = query(base, "sum(up{job=~\"jobfleet-.*\"})");
                return up != null
                        && up.path("data")
                                .path("result")
                                .path(0)
                                .path("value")
                                .path(1)
                                .asText()
                                .equals("2");
            });
            Thread.sleep(3000); // rate() needs two samples in its window
            List<String> failures = new ArrayList<>();
            List<String> empty = new ArrayList<>();
            ObsSources.dashboardQueries().forEach((where, expr) -> {
                if (expr.startsWith("label_values(")) return;
                String promql = expr.replace("$__rate_interval", "1m").replace("$queue", ".*");
                JsonNode answer = query(base, promql);
                if (answer == null || !answer.path("status").asText().equals("success"))
                    failures.add(where + ": " + answer);
                else if (answer.path("data").path("result").isEmpty()) empty.add(where);
            });
            ObsSources.alertExprs().forEach((alert, expr) -> {
                JsonNode answer = query(base, expr);
                if (answer == null || !answer.path("status").asText().equals("success"))
                    failures.add(alert + ": " + answer);
            });
            assertThat(failures).as("queries Prometheus refused").isEmpty();
            assertThat(empty)
                    .as("dashboard queries without data on a live fleet (only 5xx shares may be empty: no 5xx yet)")
                    .allMatch(where -> where.contains("5xx"));
            ObsTools.await(Duration.ofSeconds(15), "every alert rule evaluated with health ok", () -> {
                JsonNode rules = get(base, "/api/v1/rules");
                int ok = 0;
                for (JsonNode group : rules.path("data").path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        if (rule.path("health").asText().equals("err"))
                            throw new AssertionError("rule " + rule.path("name") + ": " + rule.path("lastError"));
                        if (rule.path("health").asText().equals("ok")) ok++;
                    }
                }
                return ok == 9;
            });
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) prometheus.destroyForcibly();
            ObsTools.deleteTree(dir);
        }
    }

    private static JsonNode query(URI base, String promql) {
        return get(base, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static JsonNode get(URI base, String path) {
        try {
            var response = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(base.resolve(path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            return ObsSources.JSON.readTree(response.body());
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(Path file) {
        return ObsSources.readString(file);
    }
}
