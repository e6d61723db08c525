package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.TestRedis;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code jobfleet enqueue}'s flow-control flags, run as processes against a real Redis. */
class EnqueueFlowIT {
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    @Test
    void theFlagsReachTheJobRecord() throws Exception {
        Cli.Result enqueued = enqueue("flow", "t", "--priority", "5", "--limit-key", "acct-2", "--expires-in", "1h");
        assertThat(enqueued.exitCode()).as(enqueued.stderr()).isZero();
        String id = enqueued.stdout().trim();
        String grouped = enqueue("flow", "t", "--group", "tenant-1").stdout().trim();

        Cli.Result shown = Cli.run("job", "show", "flow", id, "--redis-url", REDIS.url());

        assertThat(shown.stdout())
                .contains("\"priority\" : 5")
                .contains("\"limitKey\" : \"acct-2\"")
                .contains("\"expiresAt\" : ");
        assertThat(Cli.run("job", "show", "flow", grouped, "--redis-url", REDIS.url())
                        .stdout())
                .contains("\"group\" : \"tenant-1\"");
        assertThat(enqueue("flow", "t", "--priority", "high").exitCode())
                .as("high is still taken")
                .isZero();
    }

    @Test
    void aUniqueKeyAnswersTheHolderOrRefuses() throws Exception {
        String first = enqueue("flow", "t", "--unique-key", "u-1", "--unique-mode", "queued")
                .stdout()
                .trim();

        Cli.Result again = enqueue("flow", "t", "--unique-key", "u-1", "--unique-mode", "queued", "--json");
        Cli.Result refused = enqueue("flow", "t", "--unique-key", "u-1", "--on-conflict", "refuse");

        assertThat(again.exitCode()).isZero();
        assertThat(again.stdout()).contains("\"id\":\"" + first + "\"").contains("\"status\":\"DUPLICATE\"");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.error()).contains("u-1").contains(first).doesNotContain("\n");
    }

    @Test
    void aBadFlagIsExit2AndWritesNothing() throws Exception {
        long keys = dbSize();
        List<List<String>> bad = List.of(
                List.of("--priority", "10", "=> --priority"),
                List.of("--priority", "urgent", "=> --priority"),
                List.of("--group", "a b", "=> --group"),
                List.of("--group", "g", "--priority", "2", "=> not both"),
                List.of("--limit-key", "", "=> --limit-key"),
                List.of("--expires-in", "soon", "=> not a duration"),
                List.of("--delay", "1h", "--expires-in", "30m", "=> --expires-in"),
                List.of("--unique-key", "k", "--unique-mode", "often", "=> --unique-mode"),
                List.of("--unique-key", "k", "--unique-mode", "period", "=> period"),
                List.of("--unique-key", "k", "--unique-period", "1h", "=> period"),
                List.of("--unique-period", "1h", "=> --unique-key"),
                List.of("--unique-key", "k", "--on-conflict", "merge", "=> --on-conflict"));
        for (List<String> c : bad) {
            List<String> args = new ArrayList<>(List.of("flow", "t"));
            args.addAll(c.subList(0, c.size() - 1));
            String expected = c.get(c.size() - 1).substring(3);

            Cli.Result r = enqueue(args.toArray(String[]::new));

            assertThat(r.exitCode()).as("exit of %s: %s", c, r.stderr()).isEqualTo(2);
            assertThat(r.stderr()).as("%s", c).startsWith("jobfleet: ").contains(expected);
        }
        assertThat(dbSize()).as("keys after every refusal").isEqualTo(keys);
    }

    private static Cli.Result enqueue(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("enqueue"));
        all.addAll(List.of(args));
        all.addAll(List.of("--redis-url", REDIS.url()));
        return Cli.run(all.toArray(String[]::new));
    }

    private static long dbSize() {
        return TestRedis.raw(REDIS.redis(), j -> j.dbSize());
    }
}
