package io.jobfleet.worker;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** The handlers a worker runs, by job type: added in code, or found with {@link ServiceLoader}. */
public final class Handlers {
    private final Map<String, JobHandler> byType = new ConcurrentHashMap<>();

    public Handlers add(JobHandler handler) {
        JobHandler previous = byType.putIfAbsent(handler.type(), handler);
        if (previous != null && previous.getClass() != handler.getClass()) {
            throw new IllegalArgumentException("two handlers for job type '" + handler.type() + "': "
                    + previous.getClass().getName() + " and "
                    + handler.getClass().getName());
        }
        return this;
    }

    /** Every {@link JobHandler} listed in {@code META-INF/services/io.jobfleet.worker.JobHandler} on the class path. */
    public static Handlers discover(ClassLoader loader) {
        Handlers handlers = new Handlers();
        for (JobHandler handler : ServiceLoader.load(JobHandler.class, loader)) handlers.add(handler);
        return handlers;
    }

    public JobHandler get(String type) {
        return byType.get(type);
    }

    public Set<String> types() {
        return new TreeSet<>(byType.keySet());
    }
}
