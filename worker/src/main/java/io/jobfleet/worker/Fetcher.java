package io.jobfleet.worker;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim loop, one thread per worker: waits for free slots, claims up to that many jobs
 * (queues tried in weighted random order; a partitioned queue's partitions in turn, from a
 * starting partition that moves on by one every round, so no partition is favoured), starts
 * them, and when every queue is empty sleeps on the {@link Wake} until a waiter sees a job. A claim is one script call for up to
 * {@code claimBatch} jobs, so a deep queue costs one round trip per batch. A partition whose
 * claim fails (its Cluster shard down, say) is skipped with its own backoff while the others
 * go on; a slot is given back only for a job that was not claimed, so running jobs never
 * exceed the concurrency.
 */
final class Fetcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);
    private static final long PAUSE_RECHECK_MS = 1_000;
    private static final long IDLE_WAIT_MS = 2_000;
    private static final long MAX_BACKOFF_MS = 60_000;
    private static final Duration SUSPECT_RETRY = Duration.ofSeconds(1);
    /** How long a held suspect waits for the jobs running beside it to end before it runs anyway. */
    static final Duration SUSPECT_DRAIN = Duration.ofSeconds(5);

    private final WorkerConfig config;
    private final Leases store;
    private final Processor processor;
    private final Semaphore slots;
    private final Wake wake;
    private final Outage outage;
    private final Layout layout;
    private final Map<String, Integer> rotation = new HashMap<>();
    private final List<String> weighted = new ArrayList<>();
    private final Map<String, Long> pausedUntil = new ConcurrentHashMap<>();
    /** Per partition whose claim failed: consecutive failures, and when to try it again. */
    private final Map<String, int[]> failures = new HashMap<>();

    private final Map<String, Long> failedUntil = new HashMap<>();
    /** When (System.currentTimeMillis) a claim said parked jobs may be startable: look again then (0: none). */
    private long lookAgainAt;
    /** When (System.nanoTime) a claim last succeeded on any partition. */
    private long lastClaimOkNanos = System.nanoTime();
    /** A job one expiry short of the poison limit, held until it can run alone (at most one). */
    private RunningJob suspect;

    private volatile boolean running = true;
    private volatile boolean done;

    Fetcher(
            WorkerConfig config,
            Leases store,
            Processor processor,
            Semaphore slots,
            Wake wake,
            Outage outage,
            Layout layout) {
        this.layout = layout;
        this.config = config;
        this.store = store;
        this.processor = processor;
        this.slots = slots;
        this.wake = wake;
        this.outage = outage;
        config.queues().forEach((queue, weight) -> {
            for (int i = 0; i < weight; i++) weighted.add(queue);
        });
    }

    void stop() {
        running = false;
    }

    /** True once the loop has ended: nothing more will be claimed. */
    boolean isDone() {
        return done;
    }

    @Override
    public void run() {
        try {
            loop();
        } finally {
            done = true;
        }
    }

    private void loop() {
        while (running) {
            int free = 0;
            try {
                if (suspect != null) {
                    runSuspect();
                    continue;
                }
                slots.acquire();
                free = 1 + slots.drainPermits();
                if (free > config.claimBatch()) {
                    slots.release(free - config.claimBatch());
                    free = config.claimBatch();
                }
                int claimed = 0;
                for (String queue : order()) {
                    if (claimed == free || !running) break;
                    claimed += claimPartitions(queue, free - claimed);
                }
                // only the slots of jobs not claimed go back: each claimed job holds its own until it is recorded
                int unused = free - claimed;
                free = 0;
                slots.release(unused);
                if (claimed == 0 && running) idle();
            } catch (InterruptedException e) {
                slots.release(free);
                if (!running) return;
            }
        }
    }

    /** Claims from the queue's partitions in turn, starting one partition further each round. */
    private int claimPartitions(String queue, int max) {
        List<Partition> partitions;
        try {
            partitions = layout.partitions(queue);
        } catch (RedisUnavailableException e) {
            outage.down("layout", e);
            return 0;
        }
        if (partitions.size() == 1) return claim(partitions.get(0), max);
        int start = Math.floorMod(rotation.merge(queue, 1, Integer::sum), partitions.size());
        int claimed = 0;
        for (int i = 0; i < partitions.size() && claimed < max && running; i++) {
            claimed += claim(partitions.get((start + i) % partitions.size()), max - claimed);
        }
        return claimed;
    }

    /**
     * One claim from one partition; returns how many jobs it claimed, each now holding a
     * slot. A failure is this partition's alone: logged, counted and backed off, never thrown.
     */
    private int claim(Partition partition, int max) {
        String queue = partition.name(); // the partition's state here is kept by its physical name
        long now = System.currentTimeMillis();
        Long until = pausedUntil.get(queue);
        if (until != null && until > now) return 0;
        Long retryAt = failedUntil.get(queue);
        if (retryAt != null && retryAt > now) return 0;
        Leases.Claim claim;
        long began = System.nanoTime();
        try {
            claim = store.claim(partition, max, config.lease(), config.id());
            lastClaimOkNanos = System.nanoTime();
            outage.up(queue, now);
            failures.remove(queue);
            failedUntil.remove(queue);
        } catch (RedisUnavailableException e) {
            outage.down(queue, e);
            backOff(queue, began);
            return 0;
        } catch (RuntimeException e) {
            Backoff.logUnexpected("claim from " + queue, e);
            backOff(queue, began);
            return 0;
        }
        if (claim.paused()) {
            pausedUntil.put(queue, now + PAUSE_RECHECK_MS);
            return 0;
        }
        pausedUntil.remove(queue);
        // the queue's own limit is full: like a pause, for as long as the claim said
        if (claim.blockedForMs() > 0) pausedUntil.put(queue, now + claim.blockedForMs());
        if (claim.lookAgainInMs() > 0) {
            long at = now + claim.lookAgainInMs();
            if (lookAgainAt == 0 || at < lookAgainAt) lookAgainAt = at;
        }
        take(claim.jobs());
        return claim.jobs().size();
    }

    /**
     * Skips a failed partition for a while: the usual backoff; and while other partitions answer
     * (one shard down, not all of Redis), at least four times as long as the failed call took, so
     * a shard that is slow to fail (a dead Cluster master: the client retries for seconds) costs
     * the healthy partitions at most a fifth of this loop's time. When every call fails (Redis or
     * the network down), the usual backoff alone keeps recovery quick once it is back.
     */
    private void backOff(String queue, long began) {
        int n = ++failures.computeIfAbsent(queue, q -> new int[1])[0];
        long now = System.currentTimeMillis();
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        boolean othersAnswer = lastClaimOkNanos - began > 0; // another partition answered since this call began
        long delay =
                othersAnswer ? Math.max(Backoff.delayMs(n), Math.min(MAX_BACKOFF_MS, 4 * tookMs)) : Backoff.delayMs(n);
        failedUntil.put(queue, now + delay);
    }

    /**
     * Starts the claimed jobs. Suspects (one expiry short of the poison limit) are taken first and
     * not started: one is held to run alone, any other goes back at once; after shutdown began,
     * every job goes back unspent.
     */
    private void take(List<ClaimedJob> jobs) {
        List<ClaimedJob> normal = new ArrayList<>(jobs.size());
        for (ClaimedJob job : jobs) {
            if (!running) {
                processor.handBack(processor.hold(job), Duration.ZERO, "worker shutting down");
            } else if (job.record().expiries() < config.poisonLimit() - 1) {
                normal.add(job);
            } else if (suspect == null) {
                suspect = processor.hold(job);
            } else { // one suspect at a time
                processor.handBack(processor.hold(job), SUSPECT_RETRY, "another suspect job waits to run alone here");
            }
        }
        normal.forEach(processor::start);
    }

    /**
     * A job one lease expiry short of the poison limit may be what killed its last workers, or an
     * innocent job that happened to run beside it. It runs alone: no new claims, and once nothing
     * else runs here (or after {@link #SUSPECT_DRAIN}, so long jobs beside it do not stop this
     * worker), it is marked in Redis as the run that decides and started. If that run kills this
     * worker, it becomes poison; held but unmarked, a crash of this worker only sends it back.
     */
    private void runSuspect() throws InterruptedException {
        RunningJob held = suspect;
        long drainUntil = System.nanoTime() + SUSPECT_DRAIN.toNanos();
        while (processor.started() > 0 && running && System.nanoTime() < drainUntil && !held.isStopped()) {
            Thread.sleep(10);
        }
        suspect = null;
        if (!running) { // shutdown hands held jobs back unspent
            processor.handBack(held, Duration.ZERO, "worker shutting down");
            return;
        }
        if (held.isStopped()) { // cancelled or its lease lost while held: never run it
            processor.abandon(held);
            return;
        }
        boolean marked;
        try {
            marked = store.markSuspect(held.job);
        } catch (RuntimeException e) {
            processor.handBack(held, SUSPECT_RETRY, "could not mark its run as a suspect's: " + e.getMessage());
            return;
        }
        if (!marked) {
            processor.abandon(held);
            return;
        }
        log.info(
                "job {} lost its lease before (expiries {}); running it {} in case it is what killed a worker",
                held.job.id(),
                held.job.record().expiries(),
                processor.started() == 0 ? "alone" : "beside long jobs that did not end within " + SUSPECT_DRAIN);
        processor.launch(held);
        while (processor.get(held.job.id()) == held && running) Thread.sleep(10);
    }

    /** Queues in weighted random order: a queue of weight 3 comes first three times as often as one of weight 1. */
    private Set<String> order() {
        if (config.queues().size() == 1) return config.queues().keySet();
        List<String> shuffled = new ArrayList<>(weighted);
        Collections.shuffle(shuffled);
        return new LinkedHashSet<>(shuffled);
    }

    /** Nothing claimed: wait for a waiter to see a job, or for the earliest paused or failed partition to be due. */
    private void idle() throws InterruptedException {
        long now = System.currentTimeMillis();
        Set<String> open = new LinkedHashSet<>();
        long wait = IDLE_WAIT_MS;
        if (lookAgainAt != 0) { // parked jobs may be startable then: no new job would wake a waiter for them
            wait = Math.max(1, Math.min(wait, lookAgainAt - now));
            lookAgainAt = 0;
        }
        List<Partition> all;
        try {
            all = layout.all();
        } catch (RedisUnavailableException e) {
            Thread.sleep(Backoff.delayMs(1));
            return;
        }
        for (Partition partition : all) {
            String queue = partition.name();
            Long until = pausedUntil.get(queue);
            Long retryAt = failedUntil.get(queue);
            if (retryAt != null && retryAt > now) wait = Math.min(wait, retryAt - now);
            else if (until == null || until <= now) open.add(queue);
            else wait = Math.min(wait, until - now); // paused, or its limit full: look again when due
        }
        if (open.isEmpty()) {
            Thread.sleep(Math.max(1, Math.min(wait, PAUSE_RECHECK_MS)));
            return;
        }
        wake.await(open, wait);
    }
}
