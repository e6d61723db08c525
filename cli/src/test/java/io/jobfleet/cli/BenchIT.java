package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A smoke run of jobfleet bench as a user runs it: it works and its numbers are sane. Speed is
 * not asserted (the machine is shared); counts that do not drift are.
 */
class BenchIT {
    @Test
    void quickBenchRunsEveryPhaseWithSaneNumbers() throws Exception {
        Cli.Result run = Cli.run("bench", "--quick", "--json");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode report = Json.read(run.stdout());
        assertThat(report.path("redis").path("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : report.path("results")) rows.put(row.path("name").asText(), row);
        System.out.println("BenchIT: " + rows.keySet());

        for (JsonNode row : report.path("results")) {
            assertThat(row.path("value").asDouble())
                    .as(row.path("name").asText())
                    .isPositive();
        }
        JsonNode single = rows.get("single, 1 producer in flight");
        assertThat(single.path("roundTripsPerJob").asDouble())
                .as("one script call per enqueue (plus the queue's once-a-minute registration)")
                .isBetween(1.0, 1.01);
        JsonNode batch = rows.get("batch of 100, 1 producer");
        assertThat(batch.path("roundTripsPerJob").asDouble())
                .as("one call per 100 jobs")
                .isLessThan(0.02);
        JsonNode drain = rows.entrySet().stream()
                .filter(e -> e.getKey().startsWith("5000 no-op jobs"))
                .findFirst()
                .orElseThrow()
                .getValue();
        assertThat(drain.path("roundTripsPerJob").asDouble())
                .as("claims and acks are batched: under 3 round trips per job")
                .isLessThan(3.0);
        assertThat(rows.get("Redis memory per queued no-op job").path("value").asDouble())
                .as("bytes per queued job")
                .isBetween(50.0, 1000.0);
        assertThat(rows.get("enqueue -> start p50, 500 jobs/s for 3 s")).isNotNull();
    }

    @Test
    void drainAndEnqueueRunAgainstAPartitionedQueue() throws Exception {
        Cli.Result run = Cli.run("bench", "--quick", "--json", "--only", "enqueue,drain", "--partitions", "3");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode report = Json.read(run.stdout());
        assertThat(report.path("partitions").asInt()).isEqualTo(3);
        JsonNode drain = null;
        for (JsonNode row : report.path("results")) {
            assertThat(row.path("value").asDouble())
                    .as(row.path("name").asText())
                    .isPositive();
            if (row.path("name").asText().startsWith("5000 no-op jobs")) drain = row;
        }
        System.out.println("BenchIT partitioned drain: " + drain);
        assertThat(drain).isNotNull();
        assertThat(drain.path("name").asText()).endsWith(", 3 partitions");
        assertThat(drain.path("roundTripsPerJob").asDouble())
                .as("claims stay batched per partition")
                .isLessThan(3.0);
    }

    @Test
    void drainWithANonBindingLimitAgainstNone() throws Exception {
        Cli.Result run = Cli.run("bench", "--quick", "--json", "--only", "drain-limit", "--concurrency", "16");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : Json.read(run.stdout()).path("results"))
            rows.put(row.path("note").asText(), row);
        System.out.println("BenchIT drain-limit: " + rows);
        JsonNode without = rows.get("no limit");
        JsonNode with = rows.get("limit c:type:noop = 160, not binding");
        assertThat(with.path("name").asText()).endsWith(", limit 160");
        assertThat(with.path("commandsPerJob").asDouble())
                .as("the limit's slot is taken and given back inside the scripts")
                .isGreaterThan(without.path("commandsPerJob").asDouble());
    }

    @Test
    void drainAndLatencyAgainstRealWorkerProcesses() throws Exception {
        Cli.Result run = Cli.run("bench", "--quick", "--json", "--only", "drain,latency", "--worker-processes", "1");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode report = Json.read(run.stdout());
        assertThat(report.path("workerProcesses").asInt()).isEqualTo(1);
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : report.path("results")) {
            rows.put(row.path("name").asText(), row);
            assertThat(row.path("note").asText()).startsWith("1 jobfleet worker process(es), default logging");
            assertThat(row.path("value").isNumber())
                    .as(row.path("name").asText())
                    .isTrue();
        }
        System.out.println("BenchIT worker processes: " + rows);
        JsonNode drain = rows.get("5000 no-op jobs, backlog, 1 process(es) x 64 slots");
        assertThat(drain)
                .as("the drain row, reached only once all 5000 jobs SUCCEEDED")
                .isNotNull();
        assertThat(drain.path("note").asText()).endsWith("dead jobs: 0");
        assertThat(drain.path("value").asDouble()).isPositive();
        assertThat(rows.get("worker CPU per job").path("value").asDouble()).isPositive();
        assertThat(rows.get("worker log per job").path("value").asDouble())
                .as("log bytes per job: lifecycle lines and a summary every 10 s, no line per success")
                .isNotNegative()
                .isLessThan(10);
        assertThat(rows.get("enqueue -> start p99, cold, first 2000 jobs")
                        .path("value")
                        .asDouble())
                .isNotNegative();
        assertThat(rows.get("enqueue -> start p99, steady, the other 1000")
                        .path("value")
                        .asDouble())
                .isNotNegative();
        assertThat(rows.get("enqueue -> start max, steady, the other 1000")
                        .path("value")
                        .asDouble())
                .isGreaterThanOrEqualTo(rows.get("enqueue -> start p50, steady, the other 1000")
                        .path("value")
                        .asDouble());
    }
}
