package io.jobfleet.worker.demo;

import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;

/** Returns its payload as the job's result. */
public final class EchoHandler implements JobHandler {
    @Override
    public String type() {
        return "echo";
    }

    @Override
    public Object handle(JobContext ctx) {
        return ctx.payload();
    }
}
