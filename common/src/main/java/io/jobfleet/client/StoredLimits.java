package io.jobfleet.client;

import io.jobfleet.common.internal.redis.LimitStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.util.List;

/** {@link Limits} straight in Redis, for {@link JobfleetClient}. */
final class StoredLimits implements Limits {
    private final LimitStore store;

    StoredLimits(Redis redis) {
        this.store = new LimitStore(redis);
    }

    @Override
    public void set(Limit limit) {
        store.set(limit);
    }

    @Override
    public List<LimitUsage> list(String queue) {
        return store.list(queue);
    }

    @Override
    public boolean delete(String queue, String scope) {
        return store.delete(queue, scope);
    }
}
