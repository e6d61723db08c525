package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The logs of a real API and worker: JSON lines a log pipeline can take, the request id of the
 * API call carried to the worker's lines about the job, and a redacted payload field that shows
 * up in no log line, no API view and no CLI view. The worker runs with JOBFLEET_LOG_SUCCESS=INFO
 * (a line per success; off by default) and logs its periodic summary.
 */
class ObservabilityLogsIT {
    private static final String Q = "logs";
    static ObsFleet fleet;

    @BeforeAll
    static void start() {
        fleet = ObsFleet.start(Q, Map.of("JOBFLEET_REDACT_FIELDS", "password"), Map.of("JOBFLEET_LOG_SUCCESS", "INFO"));
    }

    @AfterAll
    static void stop() {
        if (fleet != null) fleet.close();
    }

    @Test
    void theRequestIdOfTheApiCallIsOnTheWorkersLinesAboutTheJob() {
        String requestId = "obs-req-" + System.nanoTime();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> created = fleet.enqueue(
                Q,
                "{\"type\":\"echo\",\"payload\":{\"order\":42}}",
                "X-Request-Id",
                requestId,
                "traceparent",
                "00-" + traceId + "-00f067aa0ba902b7-01");
        assertThat(created.headers().firstValue("X-Request-Id")).hasValue(requestId);
        String id = ObsFleet.id(created);
        String retriedRequest = "obs-req-retry-" + System.nanoTime();
        String retried = ObsFleet.id(
                fleet.enqueue(Q, "{\"type\":\"fail\",\"payload\":{\"times\":1}}", "X-Request-Id", retriedRequest));
        ObsTools.await(
                Duration.ofSeconds(20),
                "both jobs succeeded",
                () -> fleet.state(Q, id).equals("SUCCEEDED")
                        && fleet.state(Q, retried).equals("SUCCEEDED"));

        JsonNode job = json(fleet.get("/v1/queues/" + Q + "/jobs/" + id).body());
        assertThat(job.path("requestId").asText()).isEqualTo(requestId);
        assertThat(job.path("traceparent").asText()).contains(traceId);

        JsonNode done = line("worker", "job " + id + " (echo) succeeded");
        assertThat(done.path("requestId").asText()).isEqualTo(requestId);
        assertThat(done.path("jobId").asText()).isEqualTo(id);
        assertThat(done.path("queue").asText()).isEqualTo(Q);
        assertThat(done.path("attempt").asText()).isEqualTo("1");
        assertThat(done.path("duration_ms").isNumber())
                .as("duration_ms is a number: %s", done)
                .isTrue();
        assertThat(done.path("level").asText()).isEqualTo("INFO");
        assertThat(done.path("service").asText()).isEqualTo("jobfleet-worker");
        assertThat(done.path("version").asText()).isNotBlank();
        assertThat(done.path("logger").asText()).startsWith("io.jobfleet.worker.");

        JsonNode failed = line("worker", "job " + retried + " failed attempt 1");
        JsonNode succeeded = line("worker", "job " + retried + " (fail) succeeded");
        assertThat(List.of(failed, succeeded))
                .allSatisfy(l -> assertThat(l.path("requestId").asText()).isEqualTo(retriedRequest))
                .allSatisfy(l -> assertThat(l.path("jobId").asText()).isEqualTo(retried));
        assertThat(failed.path("attempt").asText()).isEqualTo("1");
        assertThat(succeeded.path("attempt").asText()).isEqualTo("2");

        for (JsonNode line : lines("worker")) {
            if (line.path("jobId").asText().equals(id))
                assertThat(line.path("requestId").asText()).as("%s", line).isEqualTo(requestId);
        }
    }

    @Test
    void theWorkerSummarisesFinishedJobsEveryTenSeconds() {
        String id = ObsFleet.id(fleet.enqueue(Q, "{\"type\":\"noop\"}"));
        ObsTools.await(Duration.ofSeconds(20), "the job succeeded", () -> fleet.state(Q, id)
                .equals("SUCCEEDED"));
        ObsTools.await(Duration.ofSeconds(25), "a summary line", () -> lines("worker").stream()
                .anyMatch(l -> l.path("message").asText().startsWith("last ")));

        JsonNode summary = line("worker", "last ");
        assertThat(summary.path("message").asText()).containsPattern("\\d+ jobs succeeded \\(\\d+/s\\)");
        assertThat(summary.path("succeeded").asLong()).isPositive();
        assertThat(summary.path("level").asText()).isEqualTo("INFO");
        assertThat(summary.path("logger").asText()).isEqualTo("io.jobfleet.worker.Summary");
    }

    @Test
    void everyLineOfTheApiAndWorkerIsJsonWithTheFieldsAPipelineNeeds() {
        fleet.enqueue(Q, "{\"type\":\"noop\"}");
        for (String process : List.of("api", "worker")) {
            List<JsonNode> lines = lines(process);
            assertThat(lines).as(process).isNotEmpty();
            for (JsonNode line : lines) {
                assertThat(Instant.parse(line.path("timestamp").asText())).isNotNull();
                assertThat(line.path("timestamp").asText()).as("UTC").endsWith("Z");
                assertThat(line.path("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
                assertThat(line.path("logger").asText()).isNotBlank();
                assertThat(line.path("message").asText()).isNotBlank();
                assertThat(line.path("service").asText()).isEqualTo("jobfleet-" + process);
            }
        }
    }

    @Test
    void aRedactedPayloadFieldShowsNowhere() throws Exception {
        String secret = "hunter2-" + System.nanoTime();
        String payload =
                "{\"user\":\"ann\",\"password\":\"" + secret + "\",\"card\":{\"PASSWORD\":\"" + secret + "\"}}";
        String echoed = ObsFleet.id(fleet.enqueue(Q, "{\"type\":\"echo\",\"payload\":" + payload + "}"));
        String dead = ObsFleet.id(fleet.enqueue(
                Q, "{\"type\":\"fail\",\"payload\":{\"message\":\"no luck\",\"password\":\"" + secret + "\"}}"));
        ObsTools.await(
                Duration.ofSeconds(20),
                "the echo job succeeded and the failing one is dead",
                () -> fleet.state(Q, echoed).equals("SUCCEEDED")
                        && fleet.state(Q, dead).equals("DEAD"));

        Map<String, String> cliEnv = Map.of("JOBFLEET_REDIS_URL", fleet.redis.url());
        Cli.Result unredacted = Cli.run(cliEnv, "job", "show", Q, echoed);
        assertThat(unredacted.stdout())
                .as("without JOBFLEET_REDACT_FIELDS the value is there: the checks below are not vacuous")
                .contains(secret);

        Map<String, String> redacting =
                Map.of("JOBFLEET_REDIS_URL", fleet.redis.url(), "JOBFLEET_REDACT_FIELDS", "password");
        List<String> views = new ArrayList<>();
        views.add(fleet.get("/v1/queues/" + Q + "/jobs/" + echoed).body());
        views.add(fleet.get("/v1/queues/" + Q + "/jobs/" + dead).body());
        for (String[] command :
                List.of(new String[] {"job", "show", Q, echoed}, new String[] {"job", "show", Q, dead}, new String[] {
                    "dlq", "show", Q, dead
                })) {
            Cli.Result shown = Cli.run(redacting, command);
            assertThat(shown.exitCode()).as(shown.stderr()).isZero();
            views.add(shown.stdout());
        }
        assertThat(views).allSatisfy(view -> assertThat(view)
                .doesNotContain(secret)
                .contains("[redacted]")
                .containsAnyOf("ann", "no luck"));

        List<String> logs = new ArrayList<>(fleet.log("api"));
        logs.addAll(fleet.log("worker"));
        logs.add(fleet.output("api"));
        logs.add(fleet.output("worker"));
        assertThat(logs).as("log lines and output of the API and the worker").noneMatch(l -> l.contains(secret));
    }

    private static List<JsonNode> lines(String process) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : fleet.log(process)) {
            if (!line.isBlank()) out.add(json(line));
        }
        return out;
    }

    /** The log line of {@code process} whose message starts with {@code prefix}. */
    private static JsonNode line(String process, String prefix) {
        return lines(process).stream()
                .filter(l -> l.path("message").asText().startsWith(prefix))
                .findFirst()
                .orElseThrow(() ->
                        new AssertionError("no " + process + " log line '" + prefix + "...' in\n" + fleet.logs()));
    }

    private static JsonNode json(String text) {
        try {
            JsonNode node = ObsSources.JSON.readTree(text);
            assertThat(node.isObject()).as("a JSON object: %s", text).isTrue();
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON line: " + text, e);
        }
    }
}
