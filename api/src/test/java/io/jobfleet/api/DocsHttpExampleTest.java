package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.client.JobfleetHttpClient;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.testing.DocSnippets;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The "Enqueueing over HTTP" example of docs/handlers.md, compiled and run against the real API
 * while a real worker runs the job.
 */
class DocsHttpExampleTest extends ApiTestBase {

    static JobRecord fetchOverHttp(String apiUrl, String token, List<String> progress) throws Exception {
        // docs:producer-http:start
        try (JobfleetHttpClient api = new JobfleetHttpClient(apiUrl, token)) {
            ObjectNode payload = JsonNodeFactory.instance.objectNode().put("url", "https://example.com/a.csv");
            NewJob job = NewJob.of("ingest", "ingest.fetch", payload);
            String id = api.enqueue(job).id(); // 429, 503: retried after Retry-After
            api.events("ingest", id, event -> progress.add(event.type() + " " + event.data()));
            return api.get("ingest", id);
        }
        // docs:producer-http:end
    }

    @Test
    void theExampleEnqueuesFollowsAndReadsTheJob() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        try (Redis pool = Redis.connect(RedisSettings.fromUrl(TestRedis.url(server)))) {
            Worker worker = new Worker(
                    pool,
                    WorkerConfig.builder().id("doc-worker").queues("ingest").build(),
                    new Handlers().add(new FetchHandler()));
            worker.start();
            try {
                JobRecord job = fetchOverHttp("http://127.0.0.1:" + api.port(), SUBMIT, progress);

                assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
                assertThat(job.result().path("fetched").asText()).isEqualTo("https://example.com/a.csv");
                assertThat(progress).contains("progress {\"percent\":50}");
                assertThat(progress.get(progress.size() - 1)).startsWith("state {\"state\":\"SUCCEEDED\"");
            } finally {
                worker.stop();
            }
        }
    }

    @Test
    void theDocShowsTheExample() {
        DocSnippets.assertMatches("docs/handlers.md", "producer-http", DocsHttpExampleTest.class);
    }

    /** Stands in for the docs' FetchHandler: reports progress half way, returns what it fetched. */
    private static final class FetchHandler implements JobHandler {
        @Override
        public String type() {
            return "ingest.fetch";
        }

        @Override
        public Object handle(JobContext ctx) throws Exception {
            Thread.sleep(800); // the example's event stream is open by then
            ctx.progress(Map.of("percent", 50));
            Thread.sleep(300);
            return Map.of("fetched", ctx.payload().path("url").asText());
        }
    }
}
