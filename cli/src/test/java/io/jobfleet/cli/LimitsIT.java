package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.testing.DocSnippets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jobfleet limits set|list|delete} run as processes against a real Redis: the raw hash,
 * the table and JSON, the audit; every bad input exits 2 naming the field with nothing written;
 * and the docs' CLI example, run as written.
 */
class LimitsIT {
    /** Flushed before every test. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer();

    private Map<String, String> stored() {
        return TestRedis.hash(REDIS.redis(), Keys.of("ingest").limits());
    }

    private Cli.Result limits(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("limits"));
        all.addAll(List.of(args));
        return Cli.run(Map.of("JOBFLEET_REDIS_URL", REDIS.url()), all.toArray(String[]::new));
    }

    @Test
    void setListAndDelete() throws Exception {
        Cli.Result set = limits("set", "ingest", "type:embed", "--concurrency", "5", "--rate", "100/1s");
        assertThat(set.exitCode()).as(set.stderr()).isZero();
        assertThat(set.stdout()).contains("at most 5 running, at most 100/1s starts");
        assertThat(stored()).containsOnly(Map.entry("c:type:embed", "5"), Map.entry("r:type:embed", "100 1000"));
        TestRedis.raw(REDIS.redis(), j -> j.sadd(Keys.of("ingest").running("type:embed"), "j1", "j2"));

        Cli.Result table = limits("list", "ingest");
        assertThat(table.stdout().lines().toList())
                .containsExactly(
                        "SCOPE       CONCURRENCY  RUNNING  RATE    STARTS IN PERIOD",
                        "type:embed  5            2        100/1s  0");
        Cli.Result json = limits("list", "ingest", "--json");
        assertThat(json.stdout().strip())
                .isEqualTo("{\"queue\":\"ingest\",\"limits\":[{\"scope\":\"type:embed\",\"concurrency\":5,\"rate\":100,"
                        + "\"period\":\"1s\",\"periodMs\":1000,\"running\":2,\"startsInWindow\":0}]}");

        Cli.Result deleted = limits("delete", "ingest", "type:embed");
        assertThat(deleted.stdout()).contains("limit deleted");
        assertThat(stored()).isEmpty();
        assertThat(limits("delete", "ingest", "type:embed").stdout()).contains("has no limit on type:embed");

        assertThat(new AuditLog(REDIS.redis()).latest(10))
                .extracting(AuditLog.Entry::action)
                .containsExactly("limit-delete", "limit-set");
    }

    @Test
    void badInputExitsTwoNamingTheFieldAndWritesNothing() throws Exception {
        String[][] cases = {
            {"scope must be queue, type:<type>", "set", "ingest", "tenant:1", "--concurrency", "1"},
            {"concurrency must be 1..100000, got 0", "set", "ingest", "queue", "--concurrency", "0"},
            {"concurrency must be 1..100000, got -2", "set", "ingest", "queue", "--concurrency=-2"},
            {"rate '100/1w' is not N/PERIOD", "set", "ingest", "queue", "--rate", "100/1w"},
            {"period must be 100ms..1d, got 7d", "set", "ingest", "queue", "--rate", "1/7d"},
            {"scope: the key must be 1-128", "set", "ingest", "key:" + "k".repeat(129), "--concurrency", "1"},
            {"concurrency or rate", "set", "ingest", "queue"},
            {"scope must be", "delete", "ingest", "types:x"},
        };
        for (String[] c : cases) {
            Cli.Result result = limits(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertThat(result.exitCode())
                    .as(String.join(" ", c) + ": " + result.stderr())
                    .isEqualTo(2);
            assertThat(result.stderr()).as(String.join(" ", c)).startsWith("jobfleet: " + c[0]);
        }
        assertThat(stored()).isEmpty();
        assertThat(new AuditLog(REDIS.redis()).latest(1)).isEmpty();
    }

    @Test
    void theDocsCliExampleRunsAsWritten() throws Exception {
        String example = """
                // docs:limits-cli:start
                jobfleet limits set ingest type:embed --concurrency 5 --rate 100/1s
                jobfleet limits set ingest 'key:*' --rate 600/1m
                jobfleet limits list ingest
                jobfleet limits delete ingest type:embed
                // docs:limits-cli:end
                """;
        List<String> outputs = new ArrayList<>();
        for (String line :
                example.lines().filter(l -> l.startsWith("jobfleet ")).toList()) {
            String[] args =
                    line.substring("jobfleet ".length()).replace("'", "").split(" ");
            Cli.Result result = Cli.run(Map.of("JOBFLEET_REDIS_URL", REDIS.url()), args);
            assertThat(result.exitCode()).as(line + ": " + result.stderr()).isZero();
            outputs.add(result.stdout());
        }
        assertThat(outputs.get(2)).contains("key:*").contains("600/1m").contains("type:embed");
        assertThat(stored()).containsOnly(Map.entry("r:key:*", "600 60000"));
    }

    @Test
    void theDocsShowTheCliExample() {
        DocSnippets.assertMatches("docs/flow-control.md", "limits-cli", LimitsIT.class);
    }
}
