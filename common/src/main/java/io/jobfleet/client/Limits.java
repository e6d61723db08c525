package io.jobfleet.client;

import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.util.List;

/**
 * The fleet-wide flow-control limits of queues, as {@code jobfleet limits} manages them: set,
 * list with their usage, delete. From {@link JobfleetClient#limits()} (Redis) or {@link
 * JobfleetHttpClient#limits()} (the HTTP API, admin role to change). A change holds from the
 * workers' next claim: within a second, without restarting them; parked jobs a raised or deleted
 * limit frees are started at once. See docs/flow-control.md.
 */
public interface Limits {
    /** Sets the limit of {@code limit.scope()} in its queue, replacing the one it had (a field left null is removed). */
    void set(Limit limit);

    /** The limits of {@code queue}, sorted by scope, with how much of each is in use now. */
    List<LimitUsage> list(String queue);

    /**
     * Deletes the limit of {@code scope} in {@code queue}; true when there was one.
     *
     * @throws IllegalArgumentException when the scope is not a valid scope
     */
    boolean delete(String queue, String scope);
}
