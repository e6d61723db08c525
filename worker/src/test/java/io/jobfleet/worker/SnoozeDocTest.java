package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.testing.DocSnippets;
import io.jobfleet.worker.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The snooze example of docs/handlers.md, run as written against a real HTTP downstream that says 429, then 202, then 200. */
class SnoozeDocTest extends WorkerTestBase {
    private static final String Q = "snooze-doc";

    /** The example's handler: asks a rate-limited downstream, snoozes while it says "not now". */
    static final class EmbedHandler implements JobHandler {
        private final HttpClient http = HttpClient.newHttpClient();
        private final HttpRequest request;

        EmbedHandler(URI downstream) {
            request = HttpRequest.newBuilder(downstream).build();
        }

        @Override
        public String type() {
            return "embed";
        }

        // docs:snooze:start
        @Override
        public Object handle(JobContext ctx) throws Exception {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 429) { // the downstream's rate limit: again when it says
                throw new SnoozeException(
                        answer.headers().firstValue("Retry-After").orElse("30"));
            }
            if (answer.statusCode() == 202) return ctx.snooze(Duration.ofSeconds(1)); // not ready: look again in 1 s
            return answer.body();
        }
        // docs:snooze:end
    }

    @Test
    void theSnoozeExampleWaitsOutA429AndA202WithoutSpendingAttempts() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer downstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        downstream.createContext("/", exchange -> {
            int call = calls.incrementAndGet();
            byte[] body = "vector".getBytes(StandardCharsets.UTF_8);
            if (call == 1) exchange.getResponseHeaders().add("Retry-After", "1");
            int status = call == 1 ? 429 : call == 2 ? 202 : 200;
            exchange.sendResponseHeaders(status, status == 200 ? body.length : -1);
            if (status == 200) exchange.getResponseBody().write(body);
            exchange.close();
        });
        downstream.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + downstream.getAddress().getPort() + "/embed");
            startWorker(config("w", Q).build(), new Handlers().add(new EmbedHandler(uri)));
            String id = enqueue(NewJob.of(Q, "embed", payload()));

            Await.until(
                    Duration.ofSeconds(15),
                    "the job to succeed",
                    () -> job(Q, id).state() == JobState.SUCCEEDED);

            JobRecord done = job(Q, id);
            assertThat(done.result().asText()).isEqualTo("vector");
            assertThat(calls.get()).isEqualTo(3);
            assertThat(done.attempts()).isEqualTo(1);
            assertThat(done.snoozes()).isEqualTo(2);
            assertThat(done.finishedAt() - done.createdAt())
                    .as("waited the Retry-After and the snooze")
                    .isGreaterThanOrEqualTo(1_900);
        } finally {
            downstream.stop(0);
        }
    }

    @Test
    void docsShowTheExampleThisTestRuns() {
        DocSnippets.assertMatches("docs/handlers.md", "snooze", SnoozeDocTest.class);
    }
}
