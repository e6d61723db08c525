package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.error.StaleLeaseException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.Executions.Execution;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker that lost its lease cannot record an outcome over the job's new owner: first with a
 * real worker JVM frozen (SIGSTOP) past its lease, then with two store clients step by step.
 */
class FencedAckTest extends WorkerTestBase {
    private static final String Q = "fence";

    @Test
    @Tag("slow")
    void aFrozenWorkerThatWakesUpCannotAckOverTheNewOwner() {
        // "stubborn" sleeps 2.5 s deaf to interrupts, then returns: after the thaw, A goes on to ack
        String id = enqueue(NewJob.of(Q, "stubborn", ms(2_500)));
        try (ChildWorker a = ChildWorker.start(
                server.url(), "A", "--queues", Q, "--lease-ms", "1000", "--renew-ms", "300", "--reap-ms", "200")) {
            Await.until(Duration.ofSeconds(30), "A to start the job", () -> !Executions.starts(redis, id)
                    .isEmpty());
            long startedByA = Executions.starts(redis, id).get(0).atMs();
            a.suspend(); // A can no longer renew; its lease runs out in Redis

            startWorker(
                    config("B", Q).reapEvery(Duration.ofMillis(200)).build(),
                    new Handlers().add(new InlineHandler("stubborn", ctx -> {
                        Executions.record(redis, ctx, "B", Executions.START);
                        return Map.of("worker", "B");
                    })));
            Await.until(
                    Duration.ofSeconds(20),
                    "B to finish the job",
                    () -> job(Q, id).state() == JobState.SUCCEEDED);
            JobRecord byB = job(Q, id);

            Await.pause(Math.max(0, startedByA + 3_000 - System.currentTimeMillis())); // A's handler is due to return
            a.resume();
            // A's handler returns and A acks (or, if the lease keeper's interrupt wins the race, A
            // records a failure): either way Redis refuses it
            Await.until(
                    Duration.ofSeconds(20),
                    "A to report and be refused",
                    () -> a.said("success not recorded") || a.said("failed, but its lease was lost meanwhile"));
            System.out.println("FencedAckTest: A was refused: "
                    + a.output().stream()
                            .filter(l -> l.contains("not recorded"))
                            .findFirst()
                            .orElseThrow());

            JobRecord after = job(Q, id);
            assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(after.result()).isEqualTo(byB.result());
            assertThat(after.result().path("worker").asText()).isEqualTo("B");
            assertThat(after.token()).isEqualTo(byB.token()).isEqualTo(2);
            assertThat(after.finishedAt()).isEqualTo(byB.finishedAt());
            assertThat(after.worker()).isEqualTo("B");
            assertThat(after.errors()).singleElement().satisfies(e -> {
                assertThat(e.errorClass()).isEqualTo("jobfleet.LeaseExpired");
                assertThat(e.worker()).isEqualTo("A");
            });
            assertThat(queues.stats(Q)).containsEntry("succeeded", "1");
            assertThat(Executions.starts(redis, id))
                    .extracting(Execution::workerId)
                    .containsExactly("A", "B");
        }
    }

    @Test
    void aStaleOwnerIsRefusedEveryReport() {
        String id = enqueue(NewJob.of(Q, "noop", payload()));
        ClaimedJob a = leases.claim(Partition.parse(Q), 1, Duration.ofMillis(100), "A")
                .jobs()
                .get(0);
        Await.until(
                Duration.ofSeconds(10),
                "A's lease to be reaped",
                () -> leases.reap(Partition.parse(Q), 10, 3).requeued() == 1);
        ClaimedJob b = leases.claim(Partition.parse(Q), 1, Duration.ofSeconds(30), "B")
                .jobs()
                .get(0);
        assertThat(b.token()).isGreaterThan(a.token());

        assertThat(leases.renew(Partition.parse(Q), Duration.ofSeconds(30), Map.of(id, a.token())))
                .containsEntry(id, "lost");
        assertThat(leases.progress(a, JsonNodeFactory.instance.numberNode(50))).isFalse();
        assertThat(leases.recordStep(a, "s1", "\"a\"")).isFalse();
        assertThat(leases.ack(Partition.parse(Q), List.of(new Leases.Ack(id, a.token(), "\"A\""))))
                .containsExactly(ReportStatus.STALE);
        assertThatThrownBy(() -> leases.fail(a, AttemptError.of(1, new RuntimeException("A"), "A"), 10, 5, "dead"))
                .isInstanceOf(StaleLeaseException.class);
        assertThatThrownBy(() -> leases.release(a, Duration.ZERO)).isInstanceOf(StaleLeaseException.class);
        assertThat(job(Q, id).state()).isEqualTo(JobState.ACTIVE);
        assertThat(job(Q, id).worker()).isEqualTo("B");

        assertThat(leases.ack(Partition.parse(Q), List.of(new Leases.Ack(id, b.token(), "\"B\""))))
                .containsExactly(ReportStatus.RECORDED);
        // A reports again after B's outcome: still refused, B's outcome stands
        assertThat(leases.ack(Partition.parse(Q), List.of(new Leases.Ack(id, a.token(), "\"A\""))))
                .containsExactly(ReportStatus.STALE);
        assertThatThrownBy(() -> leases.fail(a, AttemptError.of(1, new RuntimeException("A"), "A"), 10, 5, "dead"))
                .isInstanceOf(StaleLeaseException.class);
        JobRecord record = job(Q, id);
        assertThat(record.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(record.result().asText()).isEqualTo("B");
        assertThat(record.errors()).extracting(AttemptError::worker).containsExactly("A"); // the lease expiry only
        assertThat(queues.stats(Q)).containsEntry("succeeded", "1");
    }

    @Test
    void aStaleSuccessDoesNotOverwriteTheNewOwnersFailure() {
        String id = enqueue(NewJob.of(Q, "noop", payload()));
        ClaimedJob a = leases.claim(Partition.parse(Q), 1, Duration.ofMillis(100), "A")
                .jobs()
                .get(0);
        Await.until(
                Duration.ofSeconds(10),
                "A's lease to be reaped",
                () -> leases.reap(Partition.parse(Q), 10, 3).requeued() == 1);
        ClaimedJob b = leases.claim(Partition.parse(Q), 1, Duration.ofSeconds(30), "B")
                .jobs()
                .get(0);
        FailOutcome outcome =
                leases.fail(b, AttemptError.of(2, new IllegalStateException("B failed"), "B"), 60_000, 5, "x");
        assertThat(outcome.kind()).isEqualTo(FailOutcome.Kind.RETRY);

        assertThat(leases.ack(Partition.parse(Q), List.of(new Leases.Ack(id, a.token(), "\"A\""))))
                .containsExactly(ReportStatus.STALE);
        JobRecord record = job(Q, id);
        assertThat(record.state()).isEqualTo(JobState.SCHEDULED);
        assertThat(record.result()).isNull();
        assertThat(record.errors()).extracting(AttemptError::message).last().isEqualTo("B failed");
    }
}
