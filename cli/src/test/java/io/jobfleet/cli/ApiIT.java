package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.api.Tokens;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.TestRedis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** jobfleet api as a process: tokens from the environment, a real HTTP request, SIGTERM. */
class ApiIT {
    @Test
    void apiServesWithTokensFromTheEnvironmentAndStopsOnSigterm() throws Exception {
        try (EmbeddedRedis server = TestRedis.start()) {
            int port;
            try (var socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            ProcessBuilder builder = new ProcessBuilder(Cli.command(
                            "api",
                            "--host",
                            "127.0.0.1",
                            "--port",
                            Integer.toString(port),
                            "--redis-url",
                            server.url()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("JOBFLEET_API_TOKENS", "ci submit " + Tokens.hash("secret-1"));
            Process api = builder.start();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(api.getInputStream(), StandardCharsets.UTF_8))) {
                String first = out.readLine();
                assertThat(first)
                        .startsWith("jobfleet API on http://127.0.0.1:" + port)
                        .contains("(1 tokens)");
                HttpClient http = HttpClient.newHttpClient();
                URI jobs = URI.create("http://127.0.0.1:" + port + "/v1/queues/ci/jobs");
                HttpResponse<String> refused = http.send(
                        HttpRequest.newBuilder(jobs)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(401);
                HttpResponse<String> created = http.send(
                        HttpRequest.newBuilder(jobs)
                                .header("Authorization", "Bearer secret-1")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).isEqualTo(201);
                assertThat(created.headers().firstValue("Location"))
                        .hasValueSatisfying(l -> assertThat(l).startsWith("/v1/queues/ci/jobs/"));
                api.destroy();
                assertThat(api.waitFor(20, TimeUnit.SECONDS))
                        .as("api exits on SIGTERM")
                        .isTrue();
            } finally {
                api.destroyForcibly();
            }
        }
    }

    @Test
    void apiRefusesToStartWithoutTokens() throws Exception {
        Cli.Result result = Cli.run("api", "--redis-url", "redis://127.0.0.1:1", "--port", "0");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr().strip())
                .startsWith("jobfleet: no API tokens: set JOBFLEET_API_TOKENS or --tokens-file");
    }
}
