package io.jobfleet.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.error.JobfleetException;
import io.jobfleet.common.internal.job.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@link JobfleetHttpClient}: builds authenticated requests, sends them, retries a
 * 429 or 503 after its {@code Retry-After} within the client's limits, and turns an error answer
 * into an exception. Thread-safe.
 */
final class ApiConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiConnection.class);

    private final HttpClient http;
    private final String base;
    private final String token;
    private final int maxTries;
    private final Duration maxRetryWait;

    ApiConnection(String baseUrl, String token, int maxTries, Duration maxRetryWait) {
        URI uri = URI.create(baseUrl);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
            throw new IllegalArgumentException("API base URL must be http:// or https://, got '" + baseUrl + "'");
        if (maxTries < 1) throw new IllegalArgumentException("maxTries must be at least 1, got " + maxTries);
        if (maxRetryWait.isNegative())
            throw new IllegalArgumentException("maxRetryWait must not be negative, got " + maxRetryWait);
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.maxTries = maxTries;
        this.maxRetryWait = maxRetryWait;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(JobfleetHttpClient.REQUEST_TIMEOUT)
                .build();
    }

    int maxTries() {
        return maxTries;
    }

    String send(HttpRequest request, String queue, String id) {
        return send(request, HttpResponse.BodyHandlers.ofString(), queue, id).body();
    }

    /** Sends, retrying a 429 or 503 after its Retry-After within the limits; returns a 2xx answer. */
    <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler, String queue, String id) {
        long waitedMs = 0;
        for (int attempt = 1; ; attempt++) {
            HttpResponse<T> response = exchange(request, handler);
            int status = response.statusCode();
            if (status / 100 == 2) return response;
            String body = response.body() instanceof Stream<?> s
                    ? s.map(Object::toString).collect(Collectors.joining("\n"))
                    : String.valueOf(response.body());
            long waitMs = response.headers()
                    .firstValue("Retry-After")
                    .filter(v -> v.matches("\\d{1,6}"))
                    .map(v -> Long.parseLong(v) * 1000)
                    .orElse(JobfleetHttpClient.DEFAULT_RETRY_AFTER.toMillis());
            boolean retryable = status == 429 || status == 503;
            if (!retryable || attempt >= maxTries || waitedMs + waitMs > maxRetryWait.toMillis()) {
                throw error(
                        status,
                        body,
                        response.headers().firstValue("X-Request-Id").orElse(null),
                        queue,
                        id);
            }
            log.debug("{} {} answered {}: retry {} in {} ms", request.method(), request.uri(), status, attempt, waitMs);
            pause(waitMs);
            waitedMs += waitMs;
        }
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException(request.method() + " " + request.uri()));
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while waiting to retry"));
        }
    }

    /** The API's {@code {"error": {"code", "message", "requestId"}}} as an exception; any other body as {@code http_<status>}. */
    private static JobfleetException error(int status, String body, String requestId, String queue, String id) {
        JsonNode error;
        try {
            error = Json.read(body).path("error");
        } catch (IllegalArgumentException notJson) {
            error = null;
        }
        if (error == null || !error.hasNonNull("code")) {
            String text = body.length() > 200 ? body.substring(0, 200) + "..." : body;
            return new ApiException(status, "http_" + status, text, requestId);
        }
        String code = error.get("code").asText();
        if (status == 404 && code.equals("job_not_found")) return new JobNotFoundException(queue, id);
        return new ApiException(
                status,
                code,
                error.path("message").asText(),
                error.path("requestId").asText(requestId),
                error.hasNonNull("jobId") ? error.get("jobId").asText() : null);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(JobfleetHttpClient.REQUEST_TIMEOUT);
        if (token != null) request.header("Authorization", "Bearer " + token);
        return request;
    }

    @Override
    public void close() {
        http.close();
    }
}
