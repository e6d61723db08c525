package io.jobfleet.worker;

import static io.jobfleet.worker.RedisCalls.CALLS;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records successes in batches: one thread takes every finished job waiting and acks them with
 * one script call per queue, so under load many acks share a round trip and a lone ack goes at
 * once. A job keeps its slot and its lease (renewed) until its ack is recorded. Each queue
 * partition has its own backlog, backoff and call in flight (on a virtual thread): while one (its
 * Cluster shard, say) is unreachable or slow to fail, the others' acks go on, and an ack the
 * server refuses costs only that partition's batch. What each ack means for its job (metric, log
 * line, slot) is {@link Outcomes}'s to record.
 */
final class Acker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Acker.class);
    private static final int MAX_BATCH = 500;
    /** Tries per partition before its acks are given up (about 3 minutes of backoff); their leases bring them back. */
    private static final int MAX_TRIES = 40;

    private record Done(RunningJob run, String resultJson) {}

    /** Put on the queue when a call ends, so the next batch of that partition starts at once. */
    private static final Done WAKE = new Done(null, null);

    @SuppressWarnings("ReferenceEquality") // a sentinel: identity is the point
    private static boolean isWake(Done d) {
        return d == WAKE;
    }

    /** One partition's acks waiting to be recorded, its backoff after failures, and whether a call is in flight. */
    private static final class Backlog {
        final List<Done> items = new ArrayList<>(); // guarded by this
        int failures;
        volatile long retryAtNanos;
        volatile boolean inFlight;
    }

    private final Leases store;
    private final BiConsumer<RunningJob, ReportStatus> onAcked;
    /** A job whose ack was given up: its lease brings it back. */
    private final Consumer<RunningJob> onGivenUp;

    private final Outage outage;
    private final BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    private final Map<String, Backlog> backlogs = new LinkedHashMap<>(); // the acker thread's own
    private volatile boolean stopping;
    private volatile long giveUpAtNanos = Long.MAX_VALUE;

    Acker(Leases store, Outage outage, BiConsumer<RunningJob, ReportStatus> onAcked, Consumer<RunningJob> onGivenUp) {
        this.store = store;
        this.outage = outage;
        this.onAcked = onAcked;
        this.onGivenUp = onGivenUp;
    }

    /** Queues a success for the next batch of its partition; {@code resultJson} is null for none. */
    void submit(RunningJob run, String resultJson) {
        done.add(new Done(run, resultJson));
    }

    /**
     * Finishes the acks already submitted, then the thread ends; acks still failing at
     * {@code deadlineNanos} are given up (their leases bring the jobs back).
     */
    void stop(long deadlineNanos) {
        giveUpAtNanos = deadlineNanos;
        stopping = true;
    }

    @Override
    public void run() {
        List<Done> arrived = new ArrayList<>();
        while (!stopping || !done.isEmpty() || !idle()) {
            try {
                Done first = done.poll(pollMs(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    arrived.add(first);
                    done.drainTo(arrived);
                    for (Done d : arrived) {
                        if (isWake(d)) continue;
                        Backlog backlog = backlogs.computeIfAbsent(d.run().job.queue(), q -> new Backlog());
                        synchronized (backlog) {
                            backlog.items.add(d);
                        }
                    }
                    arrived.clear();
                }
                ackDue();
                if (System.nanoTime() > giveUpAtNanos) {
                    giveUpAll("the worker is stopping");
                    return; // calls still in flight finish on their own
                }
            } catch (InterruptedException e) {
                if (stopping && System.nanoTime() > giveUpAtNanos) {
                    giveUpAll("the worker is stopping");
                    return;
                }
            }
        }
    }

    /** Nothing waits to be recorded and no call is in flight. */
    private boolean idle() {
        for (Backlog b : backlogs.values()) {
            if (b.inFlight) return false;
            synchronized (b) {
                if (!b.items.isEmpty()) return false;
            }
        }
        return true;
    }

    /** Wait for new successes (or a call's end) only as long as no backlog is due. */
    private long pollMs() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (Backlog b : backlogs.values()) {
            if (b.inFlight) continue;
            synchronized (b) {
                if (b.items.isEmpty()) continue;
            }
            next = Math.min(next, b.retryAtNanos);
        }
        if (next == Long.MAX_VALUE) return 100;
        return Math.max(0, Math.min(100, (next - now) / 1_000_000));
    }

    /** Starts one call for each partition that has acks waiting, is not backing off and has no call in flight. */
    private void ackDue() {
        long now = System.nanoTime();
        backlogs.forEach((queue, backlog) -> {
            if (backlog.inFlight || backlog.retryAtNanos > now) return;
            List<Done> batch;
            synchronized (backlog) {
                if (backlog.items.isEmpty()) return;
                List<Done> head = backlog.items.subList(0, Math.min(MAX_BATCH, backlog.items.size()));
                batch = new ArrayList<>(head);
                head.clear();
            }
            backlog.inFlight = true;
            CALLS.execute(() -> {
                try {
                    if (!ack(queue, backlog, batch)) {
                        synchronized (backlog) {
                            backlog.items.addAll(0, batch); // tried again after the backoff
                        }
                    }
                } finally {
                    backlog.inFlight = false;
                    done.add(WAKE);
                }
            });
        });
    }

    /** One script call for one partition; true when the batch is settled (recorded or given up). */
    private boolean ack(String queue, Backlog backlog, List<Done> batch) {
        List<Leases.Ack> acks = new ArrayList<>(batch.size());
        for (Done d : batch)
            acks.add(new Leases.Ack(d.run().job.id(), d.run().job.token(), d.resultJson()));
        List<ReportStatus> statuses;
        long started = System.currentTimeMillis();
        try {
            statuses = store.ack(Partition.parse(queue), acks);
            outage.up(queue, started);
            backlog.failures = 0;
        } catch (RedisUnavailableException e) {
            outage.down(queue, e);
            if (++backlog.failures >= MAX_TRIES) {
                giveUp(batch, "Redis was unavailable for " + MAX_TRIES + " tries");
                return true;
            }
            backlog.retryAtNanos = System.nanoTime() + Backoff.delayMs(backlog.failures) * 1_000_000;
            return false;
        } catch (RuntimeException e) {
            log.error(
                    "could not record {} successes of queue {}; those jobs run again when their leases expire",
                    batch.size(),
                    queue,
                    e);
            batch.forEach(d -> onGivenUp.accept(d.run()));
            return true;
        }
        for (int i = 0; i < batch.size(); i++) onAcked.accept(batch.get(i).run(), statuses.get(i));
        return true;
    }

    private void giveUpAll(String why) {
        for (Backlog b : backlogs.values()) {
            synchronized (b) {
                giveUp(b.items, why);
            }
        }
        List<Done> rest = new ArrayList<>();
        done.drainTo(rest);
        rest.removeIf(Acker::isWake);
        giveUp(rest, why);
    }

    private void giveUp(List<Done> items, String why) {
        if (items.isEmpty()) return;
        log.warn(
                "could not record {} successes ({}); those jobs run again when their leases expire", items.size(), why);
        items.forEach(d -> onGivenUp.accept(d.run()));
        items.clear();
    }
}
