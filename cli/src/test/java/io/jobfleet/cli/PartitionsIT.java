package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.Partitions;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A partitioned queue through the real CLI process: declaring and refusing a shrink (exit 1),
 * depth and stats as one queue and by partition, a job of a partition shown under its queue's
 * name, and the DLQ commands covering every partition.
 */
class PartitionsIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    static JobStore store;
    static Leases leases;
    static QueueStore queues;

    @BeforeAll
    static void start() {
        store = new JobStore(REDIS.redis(), Retention.DEFAULT);
        leases = new Leases(REDIS.redis(), Retention.DEFAULT);
        queues = new QueueStore(REDIS.redis());
    }

    static Cli.Result run(String... args) throws Exception {
        List<String> withUrl = new ArrayList<>(List.of(args));
        withUrl.addAll(List.of("--redis-url", REDIS.url()));
        return Cli.run(Map.of("JOBFLEET_ACTOR", "ops@test"), withUrl.toArray(String[]::new));
    }

    static Cli.Result ok(String... args) throws Exception {
        Cli.Result result = run(args);
        assertThat(result.exitCode())
                .as(String.join(" ", args) + ": " + result.stderr())
                .isZero();
        return result;
    }

    @Test
    void aPartitionedQueueIsOneQueueToEveryCommand() throws Exception {
        String q = "spread";
        assertThat(ok("queues", "partition", q, "3").stdout()).contains("1 -> 3 partitions");
        Partitions.of(REDIS.redis()).refresh();
        for (int i = 0; i < 12; i++) store.enqueue(NewJob.of(q, "noop", Json.read("{}")));
        ok("enqueue", q, "noop", "--payload", "{}");

        assertThat(ok("queues", "depth", q).stdout()).isEqualTo("13\n");
        List<String> lines =
                ok("queues", "depth", q, "--by-partition").stdout().lines().toList();
        assertThat(lines).hasSize(3);
        long sum = 0;
        for (int k = 0; k < 3; k++) {
            String[] parts = lines.get(k).split(" ");
            assertThat(parts[0]).isEqualTo(Integer.toString(k));
            assertThat(Long.parseLong(parts[1])).isBetween(4L, 5L);
            sum += Long.parseLong(parts[1]);
        }
        assertThat(sum).isEqualTo(13);

        // two jobs of each partition die
        List<String> dead = new ArrayList<>();
        for (String physical : queues.physical(q)) {
            for (ClaimedJob job : leases.claim(Partition.parse(physical), 2, Duration.ofMinutes(5), "w")
                    .jobs()) {
                leases.fail(job, AttemptError.of(1, new IllegalStateException("boom"), "w"), -1, 5, "dead");
                dead.add(job.id());
            }
        }
        JsonNode stats =
                Json.read(ok("queues", "stats", q, "--json", "--by-partition").stdout());
        assertThat(stats.get("pending").asLong()).isEqualTo(7);
        assertThat(stats.get("dead").asLong()).isEqualTo(6);
        assertThat(stats.get("partitions").asInt()).isEqualTo(3);
        assertThat(stats.get("byPartition").size()).isEqualTo(3);
        for (JsonNode p : stats.get("byPartition")) {
            assertThat(p.get("dead").asLong()).isEqualTo(2);
            assertThat(p.get("slot").asInt()).isBetween(0, 16383);
        }
        assertThat(ok("queues", "stats", q, "--by-partition").stdout()).contains("PARTITION");

        String inLast = null;
        for (String id : dead) if (store.get(q, id).orElseThrow().queue().equals(q + "~2")) inLast = id;
        JsonNode shown = Json.read(ok("job", "show", q, inLast).stdout());
        assertThat(shown.get("queue").asText()).isEqualTo(q);
        assertThat(shown.get("partition").asInt()).isEqualTo(2);
        Cli.Result byPhysicalName = run("job", "show", q + "~2", inLast);
        assertThat(byPhysicalName.exitCode()).as("users never name a partition").isEqualTo(1);
        assertThat(byPhysicalName.stderr()).contains("is not valid");

        JsonNode listed = Json.read(ok("dlq", "list", q, "--json").stdout());
        List<String> listedIds = new ArrayList<>();
        listed.get("jobs").forEach(j -> listedIds.add(j.get("id").asText()));
        assertThat(listedIds).containsExactlyInAnyOrderElementsOf(dead);

        Cli.Result refused = run("queues", "partition", q, "1");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("still hold jobs");

        ok("dlq", "requeue", q, "--all");
        assertThat(queues.counts(q).dead()).isZero();
        assertThat(queues.depth(q)).isEqualTo(13);
        JsonNode audit = Json.read(ok("audit", "--json", "--limit", "10")
                .stdout()
                .lines()
                .filter(l -> l.contains("\"partition\""))
                .findFirst()
                .orElseThrow());
        assertThat(audit.get("actor").asText()).isEqualTo("ops@test");
        assertThat(audit.get("detail").get("to").asInt()).isEqualTo(3);
    }
}
