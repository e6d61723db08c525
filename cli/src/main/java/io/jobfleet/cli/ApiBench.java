package io.jobfleet.cli;

import io.jobfleet.api.ApiConfig;
import io.jobfleet.api.ApiServer;
import io.jobfleet.common.internal.redis.RedisBench;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** The api phase of jobfleet bench: single and batch enqueues through the HTTP API, with their latency. */
final class ApiBench {
    private final Bench bench;

    ApiBench(Bench bench) {
        this.bench = bench;
    }

    List<Row> run(int clients, int batch) throws Exception {
        bench.ensureBaselines();
        List<Row> rows = new ArrayList<>();
        String q = "bench-api";
        try (ApiServer server =
                new ApiServer(bench.redis, ApiConfig.openForDev().withAddress("127.0.0.1", 0)).start()) {
            HttpClient http = HttpClient.newBuilder()
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build();
            URI single = URI.create("http://127.0.0.1:" + server.port() + "/v1/queues/" + q + "/jobs");
            URI batched = URI.create("http://127.0.0.1:" + server.port() + "/v1/queues/" + q + "/jobs/batch");
            String body = "{\"type\":\"noop\",\"payload\":{\"n\":1}}";
            StringBuilder many = new StringBuilder("{\"jobs\":[");
            for (int i = 0; i < batch; i++) many.append(i == 0 ? "" : ",").append(body);
            String batchBody = many.append("]}").toString();
            Parallel.run(clients, bench.quick ? 200 : 2_000, i -> post(http, single, body)); // warm up
            bench.counters.clear(q);

            int requests = bench.quick ? 2_000 : 20_000;
            rows.add(timedPosts("POST /jobs, " + clients + " clients", clients, requests, 1, http, single, body));
            bench.counters.clear(q);

            int batches = bench.quick ? 40 : 400;
            String name = "POST /jobs/batch of " + batch + ", " + clients + " clients";
            rows.add(timedPosts(name, clients, batches, batch, http, batched, batchBody));
            bench.counters.clear(q);
        }
        return rows;
    }

    /** Posts {@code requests} bodies from {@code clients} clients: the row of their rate, noted with p50 and p99. */
    private Row timedPosts(
            String name, int clients, int requests, int jobsPerRequest, HttpClient http, URI uri, String body)
            throws Exception {
        Recorder latency = new Recorder(3);
        RedisBench.Snapshot before = bench.begin();
        long t0 = System.nanoTime();
        Parallel.run(clients, requests, i -> {
            long start = System.nanoTime();
            post(http, uri, body);
            latency.recordValue((System.nanoTime() - start) / 1_000);
        });
        Histogram h = latency.getIntervalHistogram();
        return Row.withNote(
                bench.row(
                        "api",
                        name,
                        (long) requests * jobsPerRequest,
                        t0,
                        before,
                        bench.lpushClients,
                        "LPUSH 8-client"),
                "p50 " + ms(h, 50) + " ms, p99 " + ms(h, 99) + " ms per request");
    }

    private static void post(HttpClient http, URI uri, String body) throws Exception {
        HttpResponse<Void> response = http.send(
                HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() >= 300)
            throw new IllegalStateException("API answered " + response.statusCode() + " to " + uri);
    }

    private static String ms(Histogram h, double percentile) {
        return String.format("%.2f", h.getValueAtPercentile(percentile) / 1000.0);
    }
}
