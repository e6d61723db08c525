package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.client.JobfleetClient;
import io.jobfleet.client.Limits;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import io.jobfleet.common.testing.DocSnippets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Limits declared in code ({@link Worker.Builder#limit}) are written when the worker starts,
 * replacing what the scope had; and the "Managing limits" Java examples of
 * docs/flow-control.md, run as written.
 */
class DeclaredLimitsTest {
    /** The handler the example registers. */
    static final class EmbedHandler implements JobHandler {
        @Override
        public String type() {
            return "embed";
        }

        @Override
        public Object handle(JobContext ctx) {
            return "embedded";
        }
    }

    static Worker declare(String redisUrl) {
        // docs:limits-worker:start
        Worker worker = Worker.builder()
                .redis(redisUrl)
                .queues("ingest")
                .handler(new EmbedHandler())
                .limit(Limit.concurrency("ingest", "type:embed", 5).withRate("100/1s")) // the embeddings API's quota
                .limit(Limit.concurrency("ingest", "key:*", 2)) // each tenant (limitKey) at most 2 at once
                .build();
        worker.start(); // writes both limits, replacing what the scopes had
        // docs:limits-worker:end
        return worker;
    }

    static List<LimitUsage> manage(String redisUrl) {
        // docs:limits-java:start
        try (JobfleetClient client = JobfleetClient.connect(redisUrl)) {
            Limits limits = client.limits();
            limits.set(Limit.rate("ingest", "type:embed", "100/1s").withConcurrency(5));
            limits.set(Limit.concurrency("ingest", "group:*", 10)); // each group on its own
            limits.delete("ingest", "group:*");
            return limits.list("ingest"); // each limit with its usage: running, starts in the period
        }
        // docs:limits-java:end
    }

    @Test
    void aWorkerWritesItsDeclaredLimitsAtStartOverTheStoredOnes() throws Exception {
        try (EmbeddedRedis server = TestRedis.start();
                Redis redis = TestRedis.connect(server)) {
            String url = TestRedis.url(server);
            try (JobfleetClient client = JobfleetClient.connect(url)) {
                client.limits().set(Limit.concurrency("ingest", "type:embed", 50)); // set at run time, before
                client.limits().set(Limit.concurrency("ingest", "type:other", 7));
            }
            Worker worker = declare(url);
            try {
                assertThat(TestRedis.hash(redis, Keys.of("ingest").limits()))
                        .containsOnly(
                                Map.entry("c:type:embed", "5"),
                                Map.entry("r:type:embed", "100 1000"),
                                Map.entry("c:key:*", "2"),
                                Map.entry("c:type:other", "7"));
            } finally {
                worker.stop();
            }
        }
    }

    @Test
    void theClientExampleSetsListsAndDeletes() throws Exception {
        try (EmbeddedRedis server = TestRedis.start()) {
            List<LimitUsage> listed = manage(TestRedis.url(server));
            assertThat(listed)
                    .containsExactly(
                            new LimitUsage(new Limit("ingest", "type:embed", 5, 100, Duration.ofSeconds(1)), 0L, 0L));
        }
    }

    @Test
    void theDocsShowTheExamples() {
        DocSnippets.assertMatches("docs/flow-control.md", "limits-worker", DeclaredLimitsTest.class);
        DocSnippets.assertMatches("docs/flow-control.md", "limits-java", DeclaredLimitsTest.class);
    }
}
