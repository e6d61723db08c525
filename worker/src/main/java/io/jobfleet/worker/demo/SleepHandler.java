package io.jobfleet.worker.demo;

import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;
import java.util.Map;

/**
 * Sleeps {@code {"ms": N}} milliseconds (default 1000) in steps of at most 100 ms, reporting
 * progress and stopping as soon as the job is cancelled: the pattern for a long job.
 */
public final class SleepHandler implements JobHandler {
    @Override
    public String type() {
        return "sleep";
    }

    @Override
    public Object handle(JobContext ctx) throws InterruptedException {
        long total = ctx.payload().path("ms").asLong(1000);
        long slept = 0;
        int lastPercent = -1;
        while (slept < total) {
            ctx.checkCancelled();
            long step = Math.min(100, total - slept);
            Thread.sleep(step);
            slept += step;
            int percent = (int) (100 * slept / total);
            if (percent / 10 != lastPercent / 10) {
                ctx.progress(Map.of("percent", percent));
                lastPercent = percent;
            }
        }
        return Map.of("sleptMs", slept);
    }
}
