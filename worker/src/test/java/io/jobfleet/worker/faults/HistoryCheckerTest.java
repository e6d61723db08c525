package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The checker itself, on a hand-made history with one of each anomaly: it must see every one. */
class HistoryCheckerTest extends FaultTestBase {
    private static final String Q = "checker";

    @Test
    void seesLostStuckUnexpectedSplitKeysAndDuplicates() {
        for (String key : List.of("k1", "k2", "k3", "k4")) {
            store.enqueue(job(key).withIdempotencyKey(key).withId("id-" + key));
        }
        Map<String, ClaimedJob> claimed =
                leases.claim(Partition.parse(Q), 10, Duration.ofMinutes(1), "w").jobs().stream()
                        .collect(Collectors.toMap(ClaimedJob::id, j -> j));
        assertThat(claimed).hasSize(4);
        leases.ack(Partition.parse(Q), List.of(ack(claimed.get("id-k1")), ack(claimed.get("id-k4"))));
        store.cancel(Q, "id-k3"); // acknowledged, then cancelled: lost
        // id-k2 stays active: stuck; a second job under k4 (its key dropped): a split key, and stuck
        store.enqueue(job("k4").withId("id-k4b"));

        try (HistoryLog producer = new HistoryLog(history.resolve("producer-1.log"))) {
            for (String key : List.of("k1", "k2", "k3", "k4")) {
                producer.append("T", key, "id-" + key);
                producer.append("A", key, "id-" + key, "CREATED");
            }
            producer.append("T", "k4", "id-k4b");
            producer.append("U", "k4", "id-k4b");
            producer.append("T", "k5", "id-k5"); // never answered, never created: unknown
            producer.append("U", "k5", "id-k5");
        }
        try (HistoryLog worker = new HistoryLog(history.resolve("exec-w.log"))) {
            worker.append("S", "id-k1", "k1", "w", 1, 1);
            worker.append("S", "id-k1", "k1", "w", 2, 2); // a duplicate
            worker.append("E", "id-k1", "k1", "w", 2, 3);
            worker.append("S", "id-k2", "k2", "w", 1, 4);
            worker.append("S", "id-k4", "k4", "w", 1, 5);
            worker.append("F", "id-k4", "k4", "w", 1, 5); // a recorded failure: the next run is a retry
            worker.append("S", "id-k4", "k4", "w", 2, 6);
            worker.append("E", "id-k4", "k4", "w", 1, 6);
            worker.append("S", "id-zz", "kz", "w", 1, 7); // never enqueued: unexpected
        }

        HistoryChecker.Report report = HistoryChecker.check("checker self-test", history, redis, Q);
        report.print();
        assertThat(report.acknowledged()).isEqualTo(4);
        assertThat(report.unknown()).isEqualTo(1);
        assertThat(report.unknownAttempts()).isEqualTo(2);
        assertThat(report.lost()).isEqualTo(1);
        assertThat(report.stuck()).isEqualTo(2);
        assertThat(report.unexpected()).isEqualTo(1);
        assertThat(report.splitKeys()).isEqualTo(1);
        assertThat(report.executions()).isEqualTo(6);
        assertThat(report.duplicates()).as("the retry of k4 is not a duplicate").isEqualTo(1);
    }

    @Test
    void countsExpectedDeadJobsApartAndAnInnocentDeadJobAsLost() {
        for (String key : List.of("poison-1", "poison-2", "k1", "k2")) {
            store.enqueue(job(key).withIdempotencyKey(key).withId("id-" + key));
        }
        Map<String, ClaimedJob> claimed =
                leases.claim(Partition.parse(Q), 10, Duration.ofMinutes(1), "w").jobs().stream()
                        .collect(Collectors.toMap(ClaimedJob::id, j -> j));
        assertThat(claimed).hasSize(4);
        leases.ack(Partition.parse(Q), List.of(ack(claimed.get("id-k1"))));
        // poison-1 and the innocent k2 end DEAD; poison-2 (meant to die) succeeds instead
        for (String id : List.of("id-poison-1", "id-k2")) {
            leases.fail(claimed.get(id), AttemptError.of(1, new IllegalStateException("boom"), "w"), -1, 1, "test");
        }
        leases.ack(Partition.parse(Q), List.of(ack(claimed.get("id-poison-2"))));

        try (HistoryLog producer = new HistoryLog(history.resolve("producer-1.log"))) {
            for (String key : List.of("poison-1", "poison-2", "k1", "k2")) {
                producer.append("T", key, "id-" + key);
                producer.append("A", key, "id-" + key, "CREATED");
            }
        }
        try (HistoryLog worker = new HistoryLog(history.resolve("exec-w.log"))) {
            for (String key : List.of("poison-1", "poison-2", "k1", "k2")) {
                worker.append("S", "id-" + key, key, "w", 1, 1);
            }
            worker.append("E", "id-k1", "k1", "w", 1, 2);
            worker.append("E", "id-poison-2", "poison-2", "w", 1, 2);
        }

        HistoryChecker.Report report =
                HistoryChecker.check("checker expected-dead", history, redis, Q, key -> key.startsWith("poison-"));
        report.print();
        assertThat(report.acknowledged()).isEqualTo(4);
        assertThat(report.deadAsExpected()).isEqualTo(1);
        assertThat(report.lost()).as("the innocent dead job").isEqualTo(1);
        assertThat(report.examples()).anyMatch(e -> e.contains("id-k2"));
        assertThat(report.stuck()).isZero();

        HistoryChecker.Report unmarked = HistoryChecker.check("checker unmarked", history, redis, Q);
        assertThat(unmarked.deadAsExpected()).isZero();
        assertThat(unmarked.lost()).as("every dead job, none marked").isEqualTo(2);
    }

    private static NewJob job(String key) {
        return NewJob.of(
                Q, FaultWorker.TYPE, JsonNodeFactory.instance.objectNode().put("key", key));
    }

    private static Leases.Ack ack(ClaimedJob job) {
        return new Leases.Ack(job.id(), job.token(), null);
    }
}
