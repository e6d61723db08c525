package io.jobfleet.common.internal.redis;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease lifecycle a worker drives, each step one Lua script run atomically in Redis: claim
 * (QUEUED -> ACTIVE under a lease and a fencing token), renew, ack, fail, release, the poison
 * suspect mark, progress and steps; and the maintenance that takes back expired leases (reap)
 * and moves due jobs to pending (promote). Each works on one {@link Partition}. Thread-safe.
 * A transient Redis failure is a {@link io.jobfleet.common.error.RedisUnavailableException},
 * which callers retry; every script is safe to run again with the same arguments.
 */
public final class Leases {
    private static final Logger log = LoggerFactory.getLogger(Leases.class);
    /** The fields a claim returns for each job, after its token and attempt number. */
    private static final List<String> CLAIM_FIELDS = List.of(
            "type",
            "payload",
            "maxAttempts",
            "timeoutMs",
            "backoff",
            "createdAt",
            "enqueuedAt",
            "requestId",
            "traceparent",
            "idemKey",
            "expiries",
            "startedAt");

    private final Redis redis;
    private final Retention retention;

    public Leases(Redis redis, Retention retention) {
        this.redis = redis;
        this.retention = retention;
    }

    /**
     * Result of a claim: the jobs now held, or {@code paused} when the queue is paused.
     * {@code blockedForMs}: the queue's own limit is full, claim no sooner (0: not blocked);
     * {@code lookAgainInMs}: parked jobs may be startable by then, though nothing wakes a waiter (0: none).
     */
    public record Claim(boolean paused, List<ClaimedJob> jobs, long blockedForMs, long lookAgainInMs) {}

    /** A success to record: the job, the lease it ran under and its result (null for none). */
    public record Ack(String id, long token, String resultJson) {}

    /** Claims up to {@code max} jobs (QUEUED -> ACTIVE), each leased to {@code worker} for {@code lease}. */
    public Claim claim(Partition partition, int max, Duration lease, String worker) {
        Keys keys = partition.keys();
        List<String> args = new ArrayList<>(4 + CLAIM_FIELDS.size());
        args.add(Integer.toString(max));
        args.add(Long.toString(lease.toMillis()));
        args.add(worker);
        args.add(Long.toString(retention.finished().toMillis()));
        args.addAll(CLAIM_FIELDS);
        List<?> out = (List<?>) redis.run(
                Script.CLAIM, List.of(keys.pending(), keys.active(), keys.paused(), keys.prefix(), keys.stats()), args);
        if ((Long) out.get(0) == Reply.PAUSED) return new Claim(true, List.of(), 0, 0);
        ClaimReply reply = ClaimReply.read(partition.name(), worker, CLAIM_FIELDS, out);
        for (ClaimReply.Unreadable job : reply.unreadable()) deadLetterUnreadable(job, worker);
        return new Claim(false, reply.jobs(), (Long) out.get(1), (Long) out.get(2));
    }

    /**
     * A claimed job that cannot be read is made dead at once, alone (fail.lua, non-retryable):
     * no attempt could ever read it. If even that fails, it stays ACTIVE until its lease runs out
     * and reap.lua takes it back; the jobs claimed beside it are returned either way.
     */
    private void deadLetterUnreadable(ClaimReply.Unreadable job, String worker) {
        String reason = "unreadable record: " + job.problem();
        AttemptError error =
                new AttemptError(job.lease().attempt(), "jobfleet.UnreadableRecord", job.problem(), null, worker, 0);
        try {
            fail(job.lease(), error, -1, 1, reason);
            log.warn(
                    "job {} in queue {} is dead: {}",
                    job.lease().id(),
                    job.lease().queue(),
                    reason);
        } catch (RuntimeException e) {
            log.error(
                    "job {} in queue {} has an unreadable record ({}) and could not be made dead;"
                            + " it is taken back when its lease runs out",
                    job.lease().id(),
                    job.lease().queue(),
                    reason,
                    e);
        }
    }

    /** Blocks up to {@code timeout} (at most {@link Redis#MAX_BLOCK}) until the partition has a pending job. */
    public boolean awaitJobs(Partition partition, Duration timeout) {
        return redis.awaitNonEmpty(partition.keys().pending(), timeout);
    }

    /**
     * Extends the leases of running jobs (id -> token). Returns the jobs not renewed, each
     * "cancelled" or "lost"; their handlers should stop, and nothing they report will be recorded.
     */
    public Map<String, String> renew(Partition partition, Duration lease, Map<String, Long> tokens) {
        if (tokens.isEmpty()) return Map.of();
        Keys keys = partition.keys();
        List<String> args = new ArrayList<>(1 + tokens.size() * 2);
        args.add(Long.toString(lease.toMillis()));
        tokens.forEach((id, token) -> {
            args.add(id);
            args.add(Long.toString(token));
        });
        List<?> out = (List<?>) redis.run(Script.RENEW, List.of(keys.active(), keys.prefix()), args);
        Map<String, String> notRenewed = new HashMap<>();
        for (int i = 0; i < out.size(); i += 2) notRenewed.put((String) out.get(i), (String) out.get(i + 1));
        return notRenewed;
    }

    /** Records successes (ACTIVE -> SUCCEEDED) of jobs of one partition, one round trip for all. */
    public List<ReportStatus> ack(Partition partition, List<Ack> acks) {
        Keys keys = partition.keys();
        List<String> args = new ArrayList<>(1 + acks.size() * 3);
        args.add(Long.toString(retention.finished().toMillis()));
        for (Ack ack : acks) {
            args.add(ack.id());
            args.add(Long.toString(ack.token()));
            args.add(ack.resultJson() == null ? "" : ack.resultJson());
        }
        List<?> out = (List<?>)
                redis.run(Script.ACK, List.of(keys.active(), keys.prefix(), keys.stats(), keys.pending()), args);
        List<ReportStatus> statuses = new ArrayList<>(out.size());
        for (Object code : out) statuses.add(Reply.status((Long) code));
        return statuses;
    }

    /**
     * Records a failed attempt: a retry after {@code retryDelayMs}, or dead when the delay is
     * negative or the job's attempts are spent. Throws {@link io.jobfleet.common.error.StaleLeaseException}
     * or {@link io.jobfleet.common.error.JobCancelledException} when the outcome is not the caller's to record.
     */
    public FailOutcome fail(
            ClaimedJob job, AttemptError error, long retryDelayMs, int defaultMaxAttempts, String deadReason) {
        Keys keys = Keys.of(job.queue());
        List<?> out = (List<?>) redis.run(
                Script.FAIL,
                List.of(
                        keys.active(),
                        keys.scheduled(),
                        keys.dead(),
                        keys.job(job.id()),
                        keys.stats(),
                        keys.prefix(),
                        keys.pending()),
                List.of(
                        job.id(),
                        Long.toString(job.token()),
                        Json.write(error),
                        Long.toString(retryDelayMs),
                        Integer.toString(defaultMaxAttempts),
                        Integer.toString(retention.errorsKept()),
                        deadReason == null ? "" : deadReason));
        long code = (Long) out.get(0);
        Reply.check(code, job.queue(), job.id(), job.token(), "fail", out.size() > 1 ? out.get(1) : null);
        if (code == 0) return FailOutcome.REPEATED;
        return code == 2 ? FailOutcome.DEAD : FailOutcome.retryAt((Long) out.get(1));
    }

    /** Hands a running job back without spending its attempt: to pending now, or scheduled after {@code delay}. */
    public void release(ClaimedJob job, Duration delay) {
        release(job, delay, 0);
    }

    /**
     * The handler said "not now, again in {@code delay}": scheduled again without spending an
     * attempt, counted in the job's snoozes. False, with nothing changed, when the job has
     * snoozed {@code maxSnoozes} times already: the caller records it dead.
     */
    public boolean snooze(ClaimedJob job, Duration delay, int maxSnoozes) {
        if (maxSnoozes < 1) throw new IllegalArgumentException("maxSnoozes must be at least 1, got " + maxSnoozes);
        return release(job, delay, maxSnoozes);
    }

    private boolean release(ClaimedJob job, Duration delay, int snoozeCap) {
        Keys keys = Keys.of(job.queue());
        List<?> out = (List<?>) redis.run(
                Script.RELEASE,
                List.of(keys.active(), keys.pending(), keys.scheduled(), keys.job(job.id()), keys.prefix()),
                List.of(
                        job.id(),
                        Long.toString(job.token()),
                        Long.toString(delay.toMillis()),
                        Integer.toString(snoozeCap)));
        long code = (Long) out.get(0);
        if (code == Reply.SNOOZE_CAP) return false;
        Reply.check(code, job.queue(), job.id(), job.token(), "release", out.size() > 1 ? out.get(1) : null);
        return true;
    }

    /**
     * Marks this run of a job one lease expiry short of the poison limit as the one that decides:
     * if its lease now expires, {@link #reap} makes it DEAD as poison. Unmarked, such a job only
     * goes back to pending, so it is never blamed for a crash it was not running in. False when
     * the caller no longer owns the job.
     */
    public boolean markSuspect(ClaimedJob job) {
        Object out = redis.run(
                Script.SUSPECT, List.of(Keys.of(job.queue()).job(job.id())), List.of(Long.toString(job.token())));
        return (Long) out == 1;
    }

    /** Result of one reap: jobs put back in pending, jobs made dead as poison, and their ids. */
    public record Reaped(long requeued, long dead, List<String> ids) {}

    /** Takes back jobs whose lease ran out; a job expired {@code poisonLimit} times goes to the DLQ. */
    public Reaped reap(Partition partition, int limit, int poisonLimit) {
        Keys keys = partition.keys();
        List<?> out = (List<?>) redis.run(
                Script.REAP,
                List.of(keys.active(), keys.pending(), keys.dead(), keys.prefix(), keys.stats()),
                List.of(
                        Integer.toString(limit),
                        Integer.toString(poisonLimit),
                        Integer.toString(retention.errorsKept())));
        List<String> ids = new ArrayList<>();
        for (int i = 2; i < out.size(); i++) ids.add((String) out.get(i));
        return new Reaped((Long) out.get(0), (Long) out.get(1), ids);
    }

    /** Result of one promotion: jobs moved to pending, and when the next one is due (-1: none scheduled). */
    public record Promoted(long count, long nextDueMs) {}

    /** Moves due scheduled jobs (delays, run-at times, retry backoffs) to pending. */
    public Promoted promote(Partition partition, int limit) {
        Keys keys = partition.keys();
        List<?> out = (List<?>) redis.run(
                Script.PROMOTE,
                List.of(keys.scheduled(), keys.pending(), keys.prefix()),
                List.of(Integer.toString(limit)));
        return new Promoted((Long) out.get(0), (Long) out.get(1));
    }

    /** Records a running job's progress. Returns false when the caller no longer owns the job. */
    public boolean progress(ClaimedJob job, JsonNode progress) {
        Keys keys = Keys.of(job.queue());
        Object out = redis.run(
                Script.PROGRESS,
                List.of(keys.job(job.id()), keys.prefix()),
                List.of(Long.toString(job.token()), Json.write(progress), job.id()));
        return (Long) out == 1;
    }

    /** A step's recorded result (JSON), if an earlier attempt of this job finished that step. */
    public Optional<String> step(ClaimedJob job, String stepId) {
        return Optional.ofNullable(redis.call(j -> j.hget(Keys.of(job.queue()).steps(job.id()), stepId)));
    }

    /** Records a finished step; false when the caller no longer owns the job. */
    public boolean recordStep(ClaimedJob job, String stepId, String resultJson) {
        Keys keys = Keys.of(job.queue());
        Object out = redis.run(
                Script.STEP,
                List.of(keys.job(job.id()), keys.steps(job.id())),
                List.of(Long.toString(job.token()), stepId, resultJson));
        return (Long) out >= 0;
    }
}
