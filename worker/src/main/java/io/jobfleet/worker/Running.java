package io.jobfleet.worker;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The jobs this worker holds, from claim until their outcome is recorded (or given up), each on
 * one of the worker's slots. The fetcher takes a slot before it claims; {@link #finish} gives it
 * back, once per run.
 */
final class Running {
    private final Map<String, RunningJob> byId = new ConcurrentHashMap<>();
    private final Semaphore slots;

    Running(Semaphore slots) {
        this.slots = slots;
    }

    /** Holds {@code run}; returns an earlier run of the same job still here, if any. */
    RunningJob put(RunningJob run) {
        return byId.put(run.job.id(), run);
    }

    RunningJob get(String id) {
        return byId.get(id);
    }

    Collection<RunningJob> all() {
        return byId.values();
    }

    int size() {
        return byId.size();
    }

    /** Jobs that have a thread (started), as opposed to held ones. */
    long started() {
        return byId.values().stream().filter(r -> r.thread != null).count();
    }

    /** The job's outcome is recorded (or given up): free its slot. */
    void finish(RunningJob run) {
        byId.remove(run.job.id(), run); // false when a newer run of the same job replaced it
        if (run.freeSlot()) slots.release();
    }
}
