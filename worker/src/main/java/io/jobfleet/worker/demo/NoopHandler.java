package io.jobfleet.worker.demo;

import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;

/** Does nothing: for trying the fleet and for benchmarks. */
public final class NoopHandler implements JobHandler {
    @Override
    public String type() {
        return "noop";
    }

    @Override
    public Object handle(JobContext ctx) {
        return null;
    }
}
