package io.jobfleet.common.internal.redis;

import static io.jobfleet.common.job.JobState.ACTIVE;
import static io.jobfleet.common.job.JobState.CANCELLED;
import static io.jobfleet.common.job.JobState.DEAD;
import static io.jobfleet.common.job.JobState.EXPIRED;
import static io.jobfleet.common.job.JobState.QUEUED;
import static io.jobfleet.common.job.JobState.SCHEDULED;
import static io.jobfleet.common.job.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.error.IllegalTransitionException;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.error.StaleLeaseException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scripts checked against {@link JobState#canMoveTo}, the specification: every operation is
 * run on a job in every state (made with real store operations), and must move it exactly when
 * the state machine allows that move from that state; otherwise the job's hash, its TTL and its
 * list/zset membership stay exactly as they were.
 */
class TransitionTableTest extends RealRedisTest {
    private static final Duration SHORT = Duration.ofMillis(30);
    private static final Duration EXPIRY = Duration.ofMillis(400);
    /** While set, {@link #prepare} makes jobs that expire at this time. */
    private Instant expiresAt;

    /**
     * Each operation, the state it moves a job to, and the states DESIGN.md names it for. Three
     * operations lead to QUEUED from different states (promote, reap/release, requeue), so the
     * source is part of the operation; {@link #operationsCoverExactlyTheLegalTransitions} ties
     * these edges back to the enum.
     */
    enum Op {
        CLAIM(ACTIVE, QUEUED),
        ACK(SUCCEEDED, ACTIVE),
        FAIL_RETRY(SCHEDULED, ACTIVE),
        FAIL_DEAD(DEAD, ACTIVE),
        REAP(QUEUED, ACTIVE),
        RELEASE(QUEUED, ACTIVE),
        PROMOTE(QUEUED, SCHEDULED),
        CANCEL(CANCELLED, QUEUED, SCHEDULED, ACTIVE),
        REQUEUE(QUEUED, DEAD),
        /** A claim meeting a job past its expiresAt (made with one a little ahead, then waited out). */
        EXPIRE(EXPIRED, QUEUED);

        final JobState target;

        @SuppressWarnings("ImmutableEnumChecker") // an unmodifiable view
        final Set<JobState> from;

        Op(JobState target, JobState... from) {
            this.target = target;
            this.from = Collections.unmodifiableSet(EnumSet.copyOf(Arrays.asList(from)));
        }

        boolean moves(JobState start) {
            return from.contains(start) && start.canMoveTo(target);
        }

        /** Reap and promote act on due times: run them after the lease or delay ran out. */
        boolean afterDueTime() {
            return this == REAP || this == PROMOTE;
        }
    }

    /** What the store call said: {@code reported} null when its API gives no signal (release returns void). */
    record Outcome(Boolean reported, Object value, RuntimeException error) {}

    static Stream<Arguments> everyOperationInEveryState() {
        return Arrays.stream(Op.values())
                .flatMap(op -> Arrays.stream(JobState.values()).map(state -> Arguments.of(op, state)));
    }

    @ParameterizedTest(name = "{0} on a {1} job")
    @MethodSource("everyOperationInEveryState")
    void operationMovesTheJobExactlyWhenTheStateMachineAllowsIt(Op op, JobState start) {
        String id = op == Op.EXPIRE ? prepareExpiring(start) : prepare(start, op.afterDueTime());
        assertThat(raw.state(id)).isEqualTo(start);
        assertThat(raw.placesOf(id)).isEqualTo(RawQueue.placesFor(start));
        ClaimedJob holder = holder(id);
        if (op.afterDueTime()) awaitDue(id);
        Map<String, String> hashBefore = raw.job(id);
        boolean ttlBefore = raw.pttl(raw.keys().job(id)) >= 0;

        Outcome outcome = run(op, id, holder);

        if (op.moves(start)) {
            assertThat(outcome.error()).as("error").isNull();
            assertThat(outcome.reported()).as("reported as done").isNotEqualTo(false);
            assertThat(raw.state(id)).isEqualTo(op.target);
            assertThat(raw.placesOf(id)).isEqualTo(RawQueue.placesFor(op.target));
            assertThat(raw.pendingCount(id)).isLessThanOrEqualTo(1);
            if (op == Op.CANCEL) assertThat(outcome.value()).isEqualTo(start);
        } else {
            if (outcome.error() != null) {
                assertThat(outcome.error())
                        .isInstanceOfAny(
                                IllegalTransitionException.class,
                                StaleLeaseException.class,
                                JobCancelledException.class);
            }
            assertThat(outcome.reported()).as("reported as done").isNotEqualTo(true);
            assertThat(raw.job(id)).as("job hash").isEqualTo(hashBefore);
            assertThat(raw.pttl(raw.keys().job(id)) >= 0)
                    .as("job hash has a TTL")
                    .isEqualTo(ttlBefore);
            assertThat(raw.placesOf(id)).isEqualTo(RawQueue.placesFor(start));
            assertThat(raw.pendingCount(id)).isLessThanOrEqualTo(1);
        }
    }

    @ParameterizedTest(name = "purge of a {0} job")
    @EnumSource(JobState.class)
    void purgeDeletesOnlyDeadJobs(JobState start) {
        String id = prepare(start, false);
        Map<String, String> hashBefore = raw.job(id);

        int deleted = queues.purge(Q, List.of(id));

        if (start == DEAD) {
            assertThat(deleted).isEqualTo(1);
            assertThat(raw.job(id)).isEmpty();
            assertThat(raw.placesOf(id)).isEmpty();
            assertThat(raw.stat("purged")).isEqualTo(1);
        } else {
            assertThat(deleted).isZero();
            assertThat(raw.job(id)).isEqualTo(hashBefore);
            assertThat(raw.placesOf(id)).isEqualTo(RawQueue.placesFor(start));
            assertThat(raw.stat("purged")).isZero();
        }
    }

    @Test
    void operationsCoverExactlyTheLegalTransitions() {
        record Edge(JobState from, JobState to) {}
        Set<Edge> byOperations = Arrays.stream(Op.values())
                .flatMap(op -> op.from.stream().map(from -> new Edge(from, op.target)))
                .collect(Collectors.toSet());
        Set<Edge> legal = Arrays.stream(JobState.values())
                .flatMap(from -> from.next().stream().map(to -> new Edge(from, to)))
                .collect(Collectors.toSet());
        assertThat(byOperations).isEqualTo(legal);
    }

    @Test
    void finalStatesHaveNoWayOut() {
        for (JobState state : JobState.values()) {
            assertThat(state.next().isEmpty()).as(state.name()).isEqualTo(state.isFinal());
            assertThat(state.canMoveTo(state)).as(state + " -> itself").isFalse();
        }
    }

    /** A job in {@code state} that expires {@link #EXPIRY} from now, if it has not started by then. */
    private String prepareExpiring(JobState state) {
        expiresAt = Instant.now().plus(EXPIRY);
        try {
            return prepare(state, false);
        } finally {
            expiresAt = null;
        }
    }

    /** Makes a job in {@code state} the way production does. {@code dueSoon}: short lease or delay. */
    private String prepare(JobState state, boolean dueSoon) {
        Duration lease = dueSoon ? SHORT : LONG_LEASE;
        if (state == EXPIRED) {
            String id = store.enqueue(job(1).withExpiresAt(Instant.now().minusSeconds(1)))
                    .id();
            assertThat(leases.claim(P, 10, LONG_LEASE, "w1").jobs()).isEmpty();
            return id;
        }
        if (expiresAt != null && state != SCHEDULED) {
            String id = store.enqueue(job(1).withExpiresAt(expiresAt)).id();
            if (state == QUEUED) return id;
            return settle(state, id, claimOne(lease, "w1"));
        }
        if (state == SCHEDULED) {
            return store.enqueue(job(1).withDelay(dueSoon ? SHORT : Duration.ofHours(1)))
                    .id();
        }
        String id = enqueue(1);
        if (state == QUEUED) return id;
        return settle(state, id, claimOne(lease, "w1"));
    }

    /** Takes a just-claimed job on to {@code state}. */
    private String settle(JobState state, String id, ClaimedJob claimed) {
        assertThat(claimed.id()).isEqualTo(id);
        switch (state) {
            case ACTIVE -> {}
            case SUCCEEDED ->
                assertThat(leases.ack(P, List.of(new Leases.Ack(id, claimed.token(), null))))
                        .containsExactly(ReportStatus.RECORDED);
            case DEAD ->
                assertThat(leases.fail(claimed, error(1, "boom"), -1, 5, "non-retryable"))
                        .isEqualTo(FailOutcome.DEAD);
            case CANCELLED -> assertThat(store.cancel(Q, id)).isEqualTo(ACTIVE);
            default -> throw new IllegalArgumentException(state.name());
        }
        return id;
    }

    private void awaitDue(String id) {
        Double due = raw.score(RawQueue.Place.ACTIVE, id);
        if (due == null) due = raw.score(RawQueue.Place.SCHEDULED, id);
        if (due != null) awaitServerTimePast(due.longValue());
    }

    private Outcome run(Op op, String id, ClaimedJob holder) {
        try {
            return switch (op) {
                case CLAIM -> {
                    var jobs = leases.claim(P, 10, LONG_LEASE, "w2").jobs();
                    yield new Outcome(jobs.stream().anyMatch(j -> j.id().equals(id)), jobs, null);
                }
                case ACK -> {
                    ReportStatus status = leases.ack(P, List.of(new Leases.Ack(id, holder.token(), null)))
                            .get(0);
                    yield new Outcome(status == ReportStatus.RECORDED, status, null);
                }
                case FAIL_RETRY -> {
                    FailOutcome out = leases.fail(holder, error(holder.attempt(), "retry me"), 60_000, 5, "unused");
                    yield new Outcome(out.kind() == FailOutcome.Kind.RETRY, out, null);
                }
                case FAIL_DEAD -> {
                    FailOutcome out = leases.fail(holder, error(holder.attempt(), "fatal"), -1, 5, "non-retryable");
                    yield new Outcome(out.kind() == FailOutcome.Kind.DEAD, out, null);
                }
                case REAP -> {
                    Leases.Reaped reaped = leases.reap(P, 100, 100);
                    yield new Outcome(reaped.ids().contains(id), reaped, null);
                }
                case RELEASE -> {
                    leases.release(holder, Duration.ZERO);
                    yield new Outcome(null, null, null);
                }
                case PROMOTE -> {
                    Leases.Promoted promoted = leases.promote(P, 100);
                    yield new Outcome(promoted.count() == 1, promoted, null);
                }
                case CANCEL -> {
                    JobState previous = store.cancel(Q, id);
                    yield new Outcome(previous != CANCELLED, previous, null);
                }
                case REQUEUE -> {
                    int moved = queues.requeue(Q, List.of(id), false);
                    yield new Outcome(moved == 1, moved, null);
                }
                case EXPIRE -> {
                    Thread.sleep(EXPIRY.toMillis() + 50);
                    long expiredBefore = raw.stat("expired");
                    var jobs = leases.claim(P, 10, LONG_LEASE, "w2").jobs();
                    yield new Outcome(jobs.isEmpty() && raw.stat("expired") == expiredBefore + 1, jobs, null);
                }
            };
        } catch (RuntimeException e) {
            return new Outcome(false, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
