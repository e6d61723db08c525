package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.client.ApiException;
import io.jobfleet.client.JobfleetHttpClient;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import io.jobfleet.common.testing.DocSnippets;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code /v1/queues/{q}/limits} over real HTTP on a real Redis: set, list with usage, delete;
 * roles and audit; the scope URL-encoded or not; every bad input a 400 naming the field with
 * nothing written; the HTTP client; and the docs' examples, run as written.
 */
class LimitRoutesTest extends ApiTestBase {
    private static final String Q = "ingest";

    private Http.Response put(String scope, String json, String token) {
        return http.send(
                "PUT",
                "/v1/queues/" + Q + "/limits/" + scope,
                token,
                BodyPublishers.ofString(json),
                "Content-Type",
                "application/json");
    }

    private Map<String, String> stored() {
        return TestRedis.hash(redis, Keys.of(Q).limits());
    }

    @Test
    void anAdminSetsAReaderListsWithUsageAndAnAdminDeletesAllAudited() {
        Http.Response set = put("type:embed", "{\"concurrency\":5,\"rate\":100,\"period\":\"1s\"}", ADMIN);
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(set.json().path("scope").asText()).isEqualTo("type:embed");
        assertThat(stored()).containsOnly(Map.entry("c:type:embed", "5"), Map.entry("r:type:embed", "100 1000"));
        TestRedis.raw(redis, j -> j.sadd(Keys.of(Q).running("type:embed"), "j1"));

        Http.Response listed = http.get("/v1/queues/" + Q + "/limits", READ);
        assertThat(listed.status()).isEqualTo(200);
        JsonNode limit = listed.json().path("limits").get(0);
        assertThat(limit.toString())
                .isEqualTo(
                        "{\"scope\":\"type:embed\",\"concurrency\":5,\"rate\":100,\"period\":\"1s\",\"periodMs\":1000,"
                                + "\"running\":1,\"startsInWindow\":0}");

        Http.Response deleted =
                http.send("DELETE", "/v1/queues/" + Q + "/limits/type:embed", ADMIN, BodyPublishers.noBody());
        assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
        assertThat(stored()).isEmpty();
        Http.Response again =
                http.send("DELETE", "/v1/queues/" + Q + "/limits/type:embed", ADMIN, BodyPublishers.noBody());
        assertThat(again.json().path("deleted").asBoolean()).isFalse();

        List<AuditLog.Entry> audit = new AuditLog(redis).latest(10);
        assertThat(audit).extracting(AuditLog.Entry::action).containsExactly("limit-delete", "limit-set");
        assertThat(audit.get(1).actor()).isEqualTo("ad (api)");
        assertThat(audit.get(1).detail())
                .containsEntry("scope", "type:embed")
                .containsEntry("concurrency", 5)
                .containsEntry("period", "1s");
    }

    @Test
    void onlyAnAdminChangesLimitsAndASubmitterCannotReadThem() {
        assertThat(put("queue", "{\"concurrency\":1}", READ).status()).isEqualTo(403);
        assertThat(put("queue", "{\"concurrency\":1}", SUBMIT).status()).isEqualTo(403);
        assertThat(http.send("DELETE", "/v1/queues/" + Q + "/limits/queue", READ, BodyPublishers.noBody())
                        .status())
                .isEqualTo(403);
        assertThat(http.get("/v1/queues/" + Q + "/limits", SUBMIT).status()).isEqualTo(403);
        assertThat(stored()).isEmpty();
    }

    @Test
    void aWildcardScopeIsTakenUrlEncodedOrNot() {
        assertThat(put("key%3A*", "{\"concurrency\":2}", ADMIN).status()).isEqualTo(200);
        assertThat(put("group:*", "{\"rate\":10,\"period\":\"1m\"}", ADMIN).status())
                .isEqualTo(200);
        assertThat(put("key%3Aa%2Fb", "{\"concurrency\":1}", ADMIN).status()).isEqualTo(200);
        assertThat(stored())
                .containsOnly(
                        Map.entry("c:key:*", "2"), Map.entry("r:group:*", "10 60000"), Map.entry("c:key:a/b", "1"));
        JsonNode listed = http.get("/v1/queues/" + Q + "/limits", READ).json().path("limits");
        assertThat(listed.get(1).toString()).isEqualTo("{\"scope\":\"key:*\",\"concurrency\":2}");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "tenant:1|{\"concurrency\":1}|scope must be queue, type:<type>",
                "queue|{\"concurrency\":0}|concurrency must be 1..100000, got 0",
                "queue|{\"concurrency\":-5}|concurrency must be 1..100000, got -5",
                "queue|{\"concurrency\":1.5}|concurrency must be an integer",
                "queue|{\"concurrency\":\"5\"}|concurrency must be an integer",
                "queue|{\"concurrency\":99999999999}|concurrency must be 1..100000, got 99999999999",
                "queue|{\"rate\":0,\"period\":\"1s\"}|rate must be 1..100000, got 0",
                "queue|{\"rate\":5,\"period\":\"1ms\"}|period must be 100ms..1d, got 1ms",
                "queue|{\"rate\":5,\"period\":\"30d\"}|period must be 100ms..1d, got 30d",
                "queue|{\"rate\":5,\"period\":\"soon\"}|period 'soon' is not a number and a unit",
                "queue|{\"rate\":5,\"period\":1000}|period must be a string",
                "queue|{\"rate\":5}|period is missing",
                "queue|{}|concurrency or rate",
                "queue|{\"concurrency\":1,\"max\":2}|unknown field 'max'",
                "queue|[1]|the body must be a JSON object",
                "queue|{nope|not valid JSON",
            })
    void badInputIsA400NamingTheFieldAndWritesNothing(String scope, String json, String message) {
        Http.Response answer = put(scope, json, ADMIN);
        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().path("error").path("code").asText()).isEqualTo("bad_request");
        assertThat(answer.json().path("error").path("message").asText()).startsWith(message);
        assertThat(stored()).isEmpty();
        assertThat(new AuditLog(redis).latest(1)).isEmpty();
    }

    @Test
    void anOverLongKeyOrABadScopeToDeleteIsA400() {
        Http.Response longKey = put("key:" + "k".repeat(129), "{\"concurrency\":1}", ADMIN);
        assertThat(longKey.status()).isEqualTo(400);
        assertThat(longKey.json().path("error").path("message").asText())
                .startsWith("scope: the key must be 1-128 printable ASCII characters without spaces");
        Http.Response badDelete =
                http.send("DELETE", "/v1/queues/" + Q + "/limits/types:x", ADMIN, BodyPublishers.noBody());
        assertThat(badDelete.status()).isEqualTo(400);
        assertThat(http.get("/v1/queues/Bad!/limits", READ).status()).isEqualTo(400);
        assertThat(stored()).isEmpty();
    }

    @Test
    void theHttpClientSetsListsAndDeletes() {
        try (JobfleetHttpClient client = new JobfleetHttpClient("http://127.0.0.1:" + api.port(), ADMIN)) {
            client.limits().set(new Limit(Q, "key:*", 3, 600, Duration.ofMinutes(1)));
            assertThat(client.limits().list(Q))
                    .containsExactly(new LimitUsage(new Limit(Q, "key:*", 3, 600, Duration.ofMinutes(1)), null, null));
            assertThat(client.limits().delete(Q, "key:*")).isTrue();
            assertThat(client.limits().list(Q)).isEmpty();
        }
        try (JobfleetHttpClient reader = new JobfleetHttpClient("http://127.0.0.1:" + api.port(), READ)) {
            assertThatThrownBy(() -> reader.limits().set(Limit.concurrency(Q, "queue", 1)))
                    .isInstanceOf(ApiException.class)
                    .hasMessageContaining("HTTP 403 forbidden");
        }
        assertThat(stored()).isEmpty();
    }

    private static final Pattern CURL =
            Pattern.compile("curl -s -X (\\w+) http://127\\.0\\.0\\.1:8080(\\S+)(?: -H '[^']*')?(?: -d '(.*)')?");

    @Test
    void theDocsHttpExamplesRunAsWritten() {
        String example = """
                // docs:limits-http:start
                curl -s -X PUT http://127.0.0.1:8080/v1/queues/ingest/limits/type:embed -H 'Content-Type: application/json' -d '{"concurrency": 5, "rate": 100, "period": "1s"}'
                curl -s -X PUT http://127.0.0.1:8080/v1/queues/ingest/limits/key%3A* -H 'Content-Type: application/json' -d '{"rate": 600, "period": "1m"}'
                curl -s -X GET http://127.0.0.1:8080/v1/queues/ingest/limits
                curl -s -X DELETE http://127.0.0.1:8080/v1/queues/ingest/limits/type:embed
                // docs:limits-http:end
                """;
        List<String> answers = new java.util.ArrayList<>();
        for (String line : example.lines().filter(l -> l.startsWith("curl")).toList()) {
            Matcher m = CURL.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            String body = m.group(3);
            Http.Response answer = http.send(
                    m.group(1),
                    m.group(2),
                    ADMIN,
                    body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body),
                    "Content-Type",
                    "application/json");
            assertThat(answer.status()).as(line + " -> " + answer.body()).isEqualTo(200);
            answers.add(answer.body());
        }
        String shown = """
                // docs:limits-http-answer:start
                {"queue":"ingest","limits":[{"scope":"key:*","rate":600,"period":"1m","periodMs":60000},
                  {"scope":"type:embed","concurrency":5,"rate":100,"period":"1s","periodMs":1000,"running":0,"startsInWindow":0}]}
                // docs:limits-http-answer:end
                """;
        assertThat(answers.get(2))
                .isEqualTo(shown.lines()
                        .filter(l -> !l.startsWith("//"))
                        .map(String::strip)
                        .collect(java.util.stream.Collectors.joining()));
        assertThat(stored()).containsOnly(Map.entry("r:key:*", "600 60000"));
    }

    @Test
    void theDocsShowTheHttpExamples() {
        DocSnippets.assertMatches("docs/flow-control.md", "limits-http", LimitRoutesTest.class);
        DocSnippets.assertMatches("docs/flow-control.md", "limits-http-answer", LimitRoutesTest.class);
    }
}
