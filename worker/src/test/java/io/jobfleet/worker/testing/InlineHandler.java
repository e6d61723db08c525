package io.jobfleet.worker.testing;

import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;

/** A handler written inline in a test: a type and a body. */
public record InlineHandler(String type, Body body) implements JobHandler {
    @FunctionalInterface
    public interface Body {
        Object handle(JobContext ctx) throws Exception;
    }

    @Override
    public Object handle(JobContext ctx) throws Exception {
        return body.handle(ctx);
    }
}
