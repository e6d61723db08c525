package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.api.Tokens;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.TestRedis;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real fleet for the observability tests: a Redis server, {@code jobfleet api} and one
 * {@code jobfleet worker} run from the packaged jar as separate processes (JSON logs on stderr,
 * kept in files), with the worker's /metrics on a free port.
 */
final class ObsFleet implements AutoCloseable {
    static final String TOKEN = "obs-token";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final EmbeddedRedis redis;
    final int apiPort = ObsTools.freePort();
    final int metricsPort = ObsTools.freePort();
    final Path dir;
    private final List<Process> processes = new ArrayList<>();

    private ObsFleet(EmbeddedRedis redis, Path dir) {
        this.redis = redis;
        this.dir = dir;
    }

    /**
     * Starts Redis, the API (with {@code apiEnv}) and a worker on {@code queues} with fast retries
     * (backoff 100 ms, 2 attempts, so a failing job is dead within a second).
     */
    static ObsFleet start(String queues, Map<String, String> apiEnv) {
        return start(queues, apiEnv, Map.of());
    }

    /** As {@link #start(String, Map)}, with {@code workerEnv} added to the worker's environment. */
    static ObsFleet start(String queues, Map<String, String> apiEnv, Map<String, String> workerEnv) {
        ObsFleet fleet;
        try {
            fleet = new ObsFleet(TestRedis.start(), Files.createTempDirectory("obs-fleet"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            fleet.launch("api", apiEnv, "api", "--host", "127.0.0.1", "--port", Integer.toString(fleet.apiPort));
            fleet.launch(
                    "worker",
                    workerEnv,
                    "worker",
                    "--queues",
                    queues,
                    "--concurrency",
                    "4",
                    "--metrics-port",
                    Integer.toString(fleet.metricsPort),
                    "--backoff-base",
                    "100ms",
                    "--backoff-multiplier",
                    "1",
                    "--max-attempts",
                    "2");
            ObsTools.await(Duration.ofSeconds(45), "API ready and worker serving /metrics", () -> {
                fleet.checkAlive();
                return fleet.status(fleet.api("/health/ready")) == 200
                        && fleet.status(fleet.worker("/-/healthy")) == 200;
            });
        } catch (RuntimeException | Error e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    private void launch(String name, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(Cli.command(args));
        command.addAll(List.of("--redis-url", redis.url()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".log").toFile());
        builder.environment().remove("JOBFLEET_REDIS_URL");
        builder.environment().remove("JOBFLEET_LOG_FORMAT");
        builder.environment().remove("JOBFLEET_REDACT_FIELDS");
        builder.environment().put("JOBFLEET_API_TOKENS", "obs admin " + Tokens.hash(TOKEN));
        builder.environment().putAll(env);
        try {
            processes.add(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkAlive() {
        for (Process p : processes) {
            if (!p.isAlive()) throw new AssertionError("a fleet process exited early:\n" + logs());
        }
    }

    URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort + path);
    }

    URI worker(String path) {
        return URI.create("http://127.0.0.1:" + metricsPort + path);
    }

    /** The status of a GET, or -1 if nothing answers yet. */
    int status(URI uri) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(api(path))
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(10)));
    }

    /** POSTs a job to the API; {@code headers} are name, value pairs. Requires 201. */
    HttpResponse<String> enqueue(String queue, String body, String... headers) {
        HttpResponse<String> response = send(post(queue, body, headers));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return response;
    }

    /** The enqueue request, to send as the test likes (e.g. many at once). */
    HttpRequest.Builder post(String queue, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api("/v1/queues/" + queue + "/jobs"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
        return request;
    }

    static HttpClient http() {
        return HTTP;
    }

    /** The created job's id, from the Location header. */
    static String id(HttpResponse<String> created) {
        String location = created.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** The job's state from the API's view of it. */
    String state(String queue, String id) {
        try {
            return ObsSources.JSON
                    .readTree(get("/v1/queues/" + queue + "/jobs/" + id).body())
                    .path("state")
                    .asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObsScrape scrapeApi() {
        return ObsScrape.parse(text(api("/metrics")));
    }

    ObsScrape scrapeWorker() {
        return ObsScrape.parse(text(worker("/metrics")));
    }

    String text(URI uri) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)));
        assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
        return response.body();
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Everything a process wrote on stderr so far (its JSON log lines). */
    List<String> log(String name) {
        try {
            Path file = dir.resolve(name + ".log");
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String output(String name) {
        try {
            return Files.readString(dir.resolve(name + ".out"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logs() {
        return "api:\n" + String.join("\n", log("api")) + "\nworker:\n" + String.join("\n", log("worker"));
    }

    /** SIGTERM to the API and worker, then waits for them: their last log lines are written. */
    void stop() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
        redis.close();
        ObsTools.deleteTree(dir);
    }
}
