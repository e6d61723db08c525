package io.jobfleet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** Runs a bench task {@code total} times over {@code threads} threads, each taking the next index. */
final class Parallel {
    private Parallel() {}

    interface IndexTask {
        void accept(int i) throws Exception;
    }

    static void run(int threads, int total, IndexTask task) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            AtomicLong next = new AtomicLong();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < total) task.accept((int) i);
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
    }
}
