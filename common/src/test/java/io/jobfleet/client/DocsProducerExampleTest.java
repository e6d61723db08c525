package io.jobfleet.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.testing.DocSnippets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The "Enqueueing from Java" example of docs/handlers.md, compiled and run against a real Redis,
 * with a stand-in worker (the worker's own claim and ack calls) that runs the job.
 */
class DocsProducerExampleTest {

    static JobRecord fetchReport(String redisUrl) throws Exception {
        // docs:producer:start
        try (JobfleetClient client = JobfleetClient.connect(redisUrl)) { // one per application, thread-safe
            ObjectNode payload = JsonNodeFactory.instance.objectNode().put("url", "https://example.com/a.csv");
            NewJob job = NewJob.of("ingest", "ingest.fetch", payload)
                    .withIdempotencyKey("fetch-a.csv") // sent twice, enqueued once
                    .withMaxAttempts(10);
            String id = client.enqueue(job).id();
            return client.awaitOutcome("ingest", id, Duration.ofMinutes(5)); // SUCCEEDED, CANCELLED or DEAD
        }
        // docs:producer:end
    }

    @Test
    void theExampleEnqueuesAndWaitsForTheOutcome() throws Exception {
        try (EmbeddedRedis server = TestRedis.start();
                Redis redis = TestRedis.connect(server)) {
            Leases worker = new Leases(redis, Retention.DEFAULT);
            Thread runner = Thread.ofVirtual().start(() -> runOne(worker));

            JobRecord outcome = fetchReport(TestRedis.url(server));

            runner.join();
            assertThat(outcome.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(outcome.result().path("fetched").asText()).isEqualTo("https://example.com/a.csv");
            assertThat(outcome.idemKey()).isEqualTo("fetch-a.csv");
        }
    }

    @Test
    void theDocShowsTheExample() {
        DocSnippets.assertMatches("docs/handlers.md", "producer", DocsProducerExampleTest.class);
    }

    private static void runOne(Leases worker) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<ClaimedJob> jobs = worker.claim(Partition.first("ingest"), 1, Duration.ofMinutes(1), "doc-worker")
                    .jobs();
            if (jobs.isEmpty()) {
                worker.awaitJobs(Partition.first("ingest"), Duration.ofMillis(200));
                continue;
            }
            ClaimedJob job = jobs.get(0);
            ObjectNode result = JsonNodeFactory.instance
                    .objectNode()
                    .put("fetched", job.record().payload().path("url").asText());
            worker.ack(Partition.first("ingest"), List.of(new Leases.Ack(job.id(), job.token(), Json.write(result))));
            return;
        }
    }
}
