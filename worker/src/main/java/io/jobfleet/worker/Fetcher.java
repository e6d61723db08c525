package io.jobfleet.worker;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.job.ClaimedJob;
import io.jobfleet.common.redis.JobStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
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
 * {@code claimBatch} jobs, so a deep queue costs one round trip per batch.
 */
final class Fetcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);
    private static final long PAUSE_RECHECK_MS = 1_000;
    private static final long IDLE_WAIT_MS = 2_000;
    private static final java.time.Duration SUSPECT_RETRY = java.time.Duration.ofSeconds(1);

    private final WorkerConfig config;
    private final JobStore store;
    private final Processor processor;
    private final Semaphore slots;
    private final Wake wake;
    private final Outage outage;
    private final Layout layout;
    private final Map<String, Integer> rotation = new java.util.HashMap<>();
    private final List<String> weighted = new ArrayList<>();
    private final Map<String, Long> pausedUntil = new ConcurrentHashMap<>();
    private final Deque<RunningJob> suspects = new ArrayDeque<>();
    private volatile boolean running = true;

    Fetcher(
            WorkerConfig config,
            JobStore store,
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

    @Override
    public void run() {
        int failures = 0;
        while (running) {
            int free = 0;
            int claimed = 0;
            try {
                if (!suspects.isEmpty()) {
                    runSuspects();
                    continue;
                }
                slots.acquire();
                free = 1 + slots.drainPermits();
                if (free > config.claimBatch()) {
                    slots.release(free - config.claimBatch());
                    free = config.claimBatch();
                }
                if (!running) break;
                for (String queue : order()) {
                    if (claimed == free) break;
                    claimed += claimPartitions(queue, free - claimed);
                }
                outage.up();
                failures = 0;
                slots.release(free - claimed);
                free = claimed;
                if (claimed == 0) idle();
            } catch (InterruptedException e) {
                slots.release(free - claimed);
                if (!running) return;
            } catch (RedisUnavailableException e) {
                slots.release(free - claimed);
                outage.down(e);
                sleep(Backoff.delayMs(++failures));
            } catch (RuntimeException e) {
                slots.release(free - claimed);
                Backoff.logUnexpected("claim loop", e);
                sleep(Backoff.delayMs(++failures));
            }
        }
    }

    /** Claims from the queue's partitions in turn, starting one partition further each round. */
    private int claimPartitions(String queue, int max) {
        List<String> partitions = layout.partitions(queue);
        if (partitions.size() == 1) return claim(partitions.get(0), max);
        int start = Math.floorMod(rotation.merge(queue, 1, Integer::sum), partitions.size());
        int claimed = 0;
        for (int i = 0; i < partitions.size() && claimed < max; i++) {
            claimed += claim(partitions.get((start + i) % partitions.size()), max - claimed);
        }
        return claimed;
    }

    private int claim(String queue, int max) {
        Long until = pausedUntil.get(queue);
        if (until != null && until > System.currentTimeMillis()) return 0;
        JobStore.Claim claim = store.claim(queue, max, config.lease(), config.id());
        if (claim.paused()) {
            pausedUntil.put(queue, System.currentTimeMillis() + PAUSE_RECHECK_MS);
            return 0;
        }
        pausedUntil.remove(queue);
        for (ClaimedJob job : claim.jobs()) {
            if (job.record().expiries() < config.poisonLimit() - 1) {
                processor.start(job);
            } else if (suspects.isEmpty()) {
                suspects.add(processor.hold(job));
            } else { // one suspect at a time: a crash while holding two would count against both
                processor.handBack(processor.hold(job), SUSPECT_RETRY, "another suspect job waits to run alone here");
            }
        }
        return claim.jobs().size();
    }

    /**
     * A job one lease expiry short of the poison limit may be what killed its last workers, or an
     * innocent job that happened to run beside it. Give it its last chance alone: no new claims,
     * wait until nothing else runs here, then run it by itself. If it kills this worker too, it
     * becomes poison alone; innocent jobs never reach the limit. (Earlier expiries run normally,
     * so an ordinary crash's jobs are recovered at full speed.)
     */
    private void runSuspects() throws InterruptedException {
        while (!suspects.isEmpty() && running) {
            while (processor.started() > 0 && running) Thread.sleep(10);
            if (!running) return; // shutdown hands held jobs back unspent
            RunningJob suspect = suspects.poll();
            if (suspect.isSettled()) continue; // cancelled or lost while held
            log.info(
                    "job {} lost its lease before (expiries {}); running it alone in case it is what killed a worker",
                    suspect.job.id(),
                    suspect.job.record().expiries());
            processor.launch(suspect);
            while (processor.get(suspect.job.id()) == suspect && running) Thread.sleep(10);
        }
    }

    /** Queues in weighted random order: a queue of weight 3 comes first three times as often as one of weight 1. */
    private Set<String> order() {
        if (config.queues().size() == 1) return config.queues().keySet();
        List<String> shuffled = new ArrayList<>(weighted);
        Collections.shuffle(shuffled);
        return new LinkedHashSet<>(shuffled);
    }

    private void idle() throws InterruptedException {
        long now = System.currentTimeMillis();
        Set<String> open = new LinkedHashSet<>();
        for (String queue : layout.physical()) {
            Long until = pausedUntil.get(queue);
            if (until == null || until <= now) open.add(queue);
        }
        if (open.isEmpty()) {
            Thread.sleep(PAUSE_RECHECK_MS);
            return;
        }
        wake.await(open, IDLE_WAIT_MS);
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
