package io.jobfleet.worker;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's periodic INFO line: how many jobs ended in each outcome since the last one, the
 * rate of successes, and the busy slots. Successes are not logged one by one by default (a line
 * per job cost a quarter of the drain rate); failures, retries and dead jobs still are. Quiet
 * intervals log nothing.
 */
final class Summary implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Summary.class);

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final IntSupplier busy;
    private final int slots;
    private long since = System.nanoTime();

    Summary(IntSupplier busy, int slots) {
        this.busy = busy;
        this.slots = slots;
    }

    /** Counts one job that ended with {@code outcome} (a jobfleet_jobs_completed_total label). */
    void count(String outcome) {
        counts.computeIfAbsent(outcome, o -> new LongAdder()).increment();
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        double seconds = (now - since) / 1e9;
        since = now;
        Map<String, Long> ended = new TreeMap<>();
        counts.forEach((outcome, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) ended.put(outcome, n);
        });
        if (ended.isEmpty()) return;
        long succeeded = ended.getOrDefault("succeeded", 0L);
        String rest = ended.entrySet().stream()
                .filter(e -> !e.getKey().equals("succeeded"))
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
        log.atInfo()
                .addKeyValue("succeeded", succeeded)
                .log(
                        "last {} s: {} jobs succeeded ({}/s){}; {} of {} slots busy",
                        Math.round(seconds),
                        succeeded,
                        Math.round(succeeded / seconds),
                        rest.isEmpty() ? "" : ", " + rest,
                        busy.getAsInt(),
                        slots);
    }
}
