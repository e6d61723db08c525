package io.jobfleet.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.LimitJson;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** {@link Limits} over the HTTP API, for {@link JobfleetHttpClient}: GET, PUT and DELETE of {@code /v1/queues/{q}/limits}. */
final class ApiLimits implements Limits {
    private final ApiConnection api;

    ApiLimits(ApiConnection api) {
        this.api = api;
    }

    @Override
    public void set(Limit limit) {
        HttpRequest request = api.request(path(limit.queue(), limit.scope()))
                .header("Content-Type", "application/json")
                .PUT(BodyPublishers.ofString(Json.write(LimitJson.body(limit))))
                .build();
        api.send(request, limit.queue(), null);
    }

    @Override
    public List<LimitUsage> list(String queue) {
        Names.checkQueue(queue);
        HttpRequest request =
                api.request("/v1/queues/" + queue + "/limits").GET().build();
        JsonNode answer = Json.read(api.send(request, queue, null));
        List<LimitUsage> out = new ArrayList<>();
        for (JsonNode view : answer.path("limits")) out.add(LimitJson.readView(queue, view));
        return out;
    }

    @Override
    public boolean delete(String queue, String scope) {
        Names.checkQueue(queue);
        Limit.checkScope(scope);
        HttpRequest request = api.request(path(queue, scope)).DELETE().build();
        return Json.read(api.send(request, queue, null)).path("deleted").asBoolean();
    }

    /** The scope goes URL-encoded: {@code key:*} as {@code key%3A*}, a key's '/' or '%' kept whole. */
    private static String path(String queue, String scope) {
        return "/v1/queues/" + queue + "/limits/" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
    }
}
