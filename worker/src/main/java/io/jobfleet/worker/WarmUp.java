package io.jobfleet.worker;

import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.JobRecord;
import java.util.List;
import java.util.Map;

/**
 * What the first job would otherwise pay for, done before the first claim: Jackson's tree
 * reader and writer (about 500 classes), the virtual threads jobs run on, and a circuit breaker
 * per handler type. Without it the first jobs after a start waited 0.2-0.3 s at 500 jobs/s
 * (docs/benchmarks.md, "cold start").
 */
final class WarmUp {
    private static final String PAYLOAD = "{\"s\":\"x\",\"n\":1,\"d\":2.5,\"b\":true,\"z\":null,\"a\":[1,{\"o\":{}}]}";

    private WarmUp() {}

    static void run(Handlers handlers, Breakers breakers) {
        JobRecord record = JobRecord.fromHash(
                "warm-up",
                "warm-up",
                Map.of(
                        "type", "warm-up",
                        "state", "ACTIVE",
                        "payload", PAYLOAD,
                        "attempts", "1",
                        "token", "1",
                        "errors", "[]"));
        Json.writeChecked("result", Json.MAPPER.valueToTree(Map.of("list", List.of(1, "x"))), 1 << 20);
        Json.writeChecked("result", record.payload(), 1 << 20);
        for (String type : handlers.types()) breakers.forType(type);
        Thread thread = Thread.ofVirtual().unstarted(() -> Json.write(record.payload()));
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
