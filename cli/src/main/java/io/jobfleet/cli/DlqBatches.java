package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.DeadLetters.DeadJob;
import io.jobfleet.common.internal.redis.Redis;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * How dlq requeue and purge walk what the operator picked (ids, a filter, or everything) in
 * batches of 1,000, each moved by one atomic script call, at an optional rate, in memory bounded
 * by one batch.
 */
final class DlqBatches {
    private DlqBatches() {}

    /** Moves (or deletes) one batch of dead job ids; returns how many it moved. */
    interface Mover {
        int apply(List<String> ids);
    }

    /** What the operator picked: ids, a filter, or everything. */
    record Selection(List<String> ids, DeadLetters.Filter filter) {
        static Selection of(List<String> ids, DlqFilterOptions options, boolean all, String verb) {
            DeadLetters.Filter filter = options.filter();
            boolean hasIds = ids != null && !ids.isEmpty();
            if (!hasIds && !all && filter.isAll()) {
                throw new CommandLine.ParameterException(
                        new CommandLine(new DlqCommand()),
                        "say which dead jobs to " + verb
                                + ": job ids, filters (--type, --error, --older-than, --min-attempts), or --all");
            }
            if (hasIds && (all || !filter.isAll())) {
                throw new CommandLine.ParameterException(
                        new CommandLine(new DlqCommand()), "give job ids or filters/--all, not both");
            }
            return new Selection(hasIds ? List.copyOf(ids) : null, filter);
        }

        Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            if (ids != null) d.put("ids", ids.size() <= 20 ? ids : ids.size() + " ids");
            if (filter.type() != null) d.put("type", filter.type());
            if (filter.error() != null) d.put("error", filter.error());
            if (filter.olderThan() != null)
                d.put("olderThan", filter.olderThan().toString());
            if (filter.minAttempts() != null) d.put("minAttempts", filter.minAttempts());
            if (ids == null && filter.isAll()) d.put("all", true);
            return d;
        }
    }

    /**
     * Walks the selection in batches and applies {@code mover} to each, at most {@code rate} jobs a
     * second. Moved jobs leave the dead set, so the walk's offset only advances past jobs that
     * stayed. Memory stays bounded by one batch.
     */
    static long move(
            Redis connection,
            DeadLetters dead,
            String queue,
            Selection selection,
            boolean dryRun,
            Integer rate,
            Mover mover,
            String verb) {
        long total = selection.ids() != null ? selection.ids().size() : dead.count(queue);
        Progress progress = new Progress(
                dryRun ? "would be " + verb + ":" : verb, selection.filter().isAll() ? total : 0);
        int batchSize = rate == null ? DlqCommand.BATCH : Math.max(1, Math.min(DlqCommand.BATCH, rate / 4 + 1));
        Walk walk = new Walk(dead, queue, batchSize, rate, mover, progress);
        if (selection.ids() != null) {
            walk.byIds(selection.ids(), dryRun);
        } else if (selection.filter().isAll() && !dryRun) {
            walk.everything();
        } else {
            walk.byFilter(selection.filter(), dryRun);
        }
        progress.finish(walk.done);
        return walk.done;
    }

    /** One walk over a queue's dead set: what it has moved so far, paced and reported after each batch. */
    private static final class Walk {
        private final DeadLetters dead;
        private final String queue;
        private final int batchSize;
        private final Integer rate;
        private final Mover mover;
        private final Progress progress;
        private final long started = System.nanoTime();
        private long done;

        Walk(DeadLetters dead, String queue, int batchSize, Integer rate, Mover mover, Progress progress) {
            this.dead = dead;
            this.queue = queue;
            this.batchSize = batchSize;
            this.rate = rate;
            this.mover = mover;
            this.progress = progress;
        }

        void byIds(List<String> ids, boolean dryRun) {
            for (int i = 0; i < ids.size(); i += batchSize) {
                List<String> batch = ids.subList(i, Math.min(ids.size(), i + batchSize));
                done += dryRun ? batch.size() : mover.apply(batch);
                if (dryRun) batch.forEach(id -> System.out.println(id));
                batchDone();
            }
        }

        /** Everything: walks ids only; moved ones leave the set, so the offset only counts jobs that stayed. */
        void everything() {
            long offset = 0;
            while (true) {
                List<String> batch = dead.ids(queue, offset, batchSize);
                if (batch.isEmpty()) break;
                int moved = mover.apply(batch);
                done += moved;
                // a stale id (no job hash) leaves the set without counting as moved: count what stayed
                if (moved < batch.size()) offset += stayed(dead, queue, offset, batch);
                batchDone();
            }
        }

        void byFilter(DeadLetters.Filter filter, boolean dryRun) {
            long offset = 0;
            while (true) {
                DeadLetters.Page page = dead.list(queue, filter, offset, batchSize);
                if (page.jobs().isEmpty()) break;
                List<String> batch = page.jobs().stream().map(DeadJob::id).toList();
                if (dryRun) {
                    page.jobs()
                            .forEach(j -> System.out.println(
                                    j.id() + "  " + j.type() + "  " + DlqCommand.shorten(DlqCommand.errorOf(j), 100)));
                    done += batch.size();
                    offset = page.next();
                } else {
                    int moved = mover.apply(batch);
                    done += moved;
                    offset = page.next()
                            - moved; // moved jobs left the dead set; the rest of this page stays before the cursor
                }
                batchDone();
                if (page.next() < 0) break;
            }
        }

        private void batchDone() {
            pace(rate, done, started);
            progress.update(done);
        }
    }

    /**
     * How many of {@code batch}, read from {@code offset}, are still dead. The ones that stayed
     * keep their order and now sit first from {@code offset} on, so one re-read of the window tells.
     */
    private static int stayed(DeadLetters dead, String queue, long offset, List<String> batch) {
        Set<String> ids = new HashSet<>(batch);
        int stayed = 0;
        for (String id : dead.ids(queue, offset, batch.size())) if (ids.contains(id)) stayed++;
        return stayed;
    }

    private static void pace(Integer rate, long done, long startedNanos) {
        if (rate == null) return;
        long dueNanos = startedNanos + done * 1_000_000_000L / rate;
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
