package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.testing.DocSnippets;
import io.jobfleet.worker.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The "Embedding the worker" example of docs/handlers.md, run as written. */
class EmbeddingDocTest {

    /** The handler the example registers. */
    static final class FetchHandler implements JobHandler {
        @Override
        public String type() {
            return "ingest.fetch";
        }

        @Override
        public Object handle(JobContext ctx) {
            return "fetched";
        }
    }

    @Test
    void theEmbeddingExampleRunsAJobAndClosesItsOwnConnection() throws Exception {
        try (EmbeddedRedis server = TestRedis.start();
                Redis redis = TestRedis.connect(server)) {
            JobStore store = new JobStore(redis, Retention.DEFAULT);
            String id = store.enqueue(NewJob.of("ingest", "ingest.fetch", JsonNodeFactory.instance.objectNode()))
                    .id();
            long clientsBefore = clients(redis);
            Worker worker = embed(TestRedis.url(server));
            try {
                Await.until(Duration.ofSeconds(10), "the example's worker runs the job", () -> store.get("ingest", id)
                        .map(JobRecord::state)
                        .filter(JobState.SUCCEEDED::equals)
                        .isPresent());
                assertThat(store.get("ingest", id).orElseThrow().result().asText())
                        .isEqualTo("fetched");
                assertThat(worker.config().concurrency()).isEqualTo(20);
                assertThat(worker.config().lease()).isEqualTo(WorkerConfig.DEFAULT_LEASE);
            } finally {
                worker.stop();
            }
            assertThat(worker.isFailed()).isFalse();
            Await.until(
                    Duration.ofSeconds(5),
                    "the worker's own connections are closed",
                    () -> clients(redis) <= clientsBefore);
        }
    }

    private static long clients(Redis redis) {
        String info = TestRedis.raw(redis, jedis -> jedis.info("clients"));
        return info.lines()
                .filter(l -> l.startsWith("connected_clients:"))
                .mapToLong(l -> Long.parseLong(
                        l.substring("connected_clients:".length()).strip()))
                .sum();
    }

    @Test
    void docsShowTheExampleThisTestRuns() {
        DocSnippets.assertMatches("docs/handlers.md", "embedding", EmbeddingDocTest.class);
    }

    private static Worker embed(String redisUrl) {
        // docs:embedding:start
        Worker worker = Worker.builder()
                .redis(redisUrl)
                .queues("ingest")
                .concurrency(20)
                .handler(new FetchHandler())
                .build();
        worker.start();
        worker.stopOnShutdown(); // SIGTERM: stop claiming, finish or hand back within the grace period
        // docs:embedding:end
        return worker;
    }
}
