package io.jobfleet.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real HTTP client (java.net.http, HTTP/1.1) against the API under test. Every request has a
 * 10 s timeout so that a hung server fails the test instead of hanging it.
 */
final class Http {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One answer: status, headers and the body as text (JSON for everything but SSE and /metrics). */
    record Response(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            return Json.read(body);
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        Optional<String> optionalHeader(String name) {
            return headers.firstValue(name);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final HttpClient client;
    private final String base;

    Http(int port) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.base = "http://127.0.0.1:" + port;
    }

    Response get(String path, String token, String... headers) {
        return send("GET", path, token, BodyPublishers.noBody(), headers);
    }

    Response post(String path, String token, String json, String... headers) {
        BodyPublisher body = json == null ? BodyPublishers.noBody() : BodyPublishers.ofString(json);
        return send("POST", path, token, body, withJson(json, headers));
    }

    /** {@code headers} are name/value pairs; {@code token} null sends no Authorization header. */
    Response send(String method, String path, String token, BodyPublisher body, String... headers) {
        try {
            HttpResponse<String> r = response(method, path, token, body, headers);
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private HttpResponse<String> response(
            String method, String path, String token, BodyPublisher body, String... headers)
            throws IOException, InterruptedException {
        return client.send(request(method, path, token, body, headers).build(), BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String method, String path, String token, BodyPublisher body, String... headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).method(method, body);
        if (token != null) request.header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            // Expect is the client's to send: it then waits for 100 Continue (or the early answer) before the body
            if (headers[i].equalsIgnoreCase("Expect")) request.expectContinue(true);
            else request.header(headers[i], headers[i + 1]);
        }
        return request;
    }

    /**
     * Opens a streaming GET (Server-Sent Events): returns once the status and headers are in;
     * the body is read line by line as the server writes it. Close the stream to hang up.
     */
    HttpResponse<Stream<String>> stream(String path, String token, String... headers) {
        try {
            return client.send(
                    request("GET", path, token, BodyPublishers.noBody(), headers)
                            .build(),
                    BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String[] withJson(String json, String[] headers) {
        if (json == null) return headers;
        String[] all = java.util.Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "Content-Type";
        all[headers.length + 1] = "application/json";
        return all;
    }
}
