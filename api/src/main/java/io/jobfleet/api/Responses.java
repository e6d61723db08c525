package io.jobfleet.api;

import io.javalin.http.Context;
import io.jobfleet.common.internal.job.Json;

/** Writes a JSON answer; errors take theirs from {@link ErrorMapper}. */
final class Responses {
    private Responses() {}

    static void send(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }
}
