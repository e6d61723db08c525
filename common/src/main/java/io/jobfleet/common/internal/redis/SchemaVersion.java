package io.jobfleet.common.internal.redis;

import io.jobfleet.common.Version;
import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.error.RedisCommandException;
import io.jobfleet.common.error.RedisUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.params.SetParams;

/**
 * The version of the Redis key layout (which keys exist, their types and fields), kept in
 * {@link Keys#schema()}. Every process checks it when it connects ({@link Redis#connect}) and
 * refuses a layout newer than it knows, so an old worker never writes into a layout it would
 * corrupt. A missing marker means the layout every release before the marker used, version 1
 * (there was no other); it is then written, SET NX, so the first process of a fleet records it.
 * See docs/upgrading.md.
 */
public final class SchemaVersion {
    /** The layout this build reads and writes: 1, the layout of 879d294 and everything before. */
    public static final int CURRENT = 1;

    private static final Logger log = LoggerFactory.getLogger(SchemaVersion.class);

    private SchemaVersion() {}

    /**
     * Reads the marker, writing {@link #CURRENT} when there is none; returns the version found.
     * Throws {@link ConfigException} when the marker names a layout this build does not serve.
     */
    public static int check(Redis redis) {
        String found;
        try {
            found = redis.call(j -> j.get(Keys.schema()));
        } catch (RedisUnavailableException e) {
            // the marker's slot not served yet (a Cluster being formed, a shard down): the process starts, as it
            // would have before it read the marker; the next process to start checks it
            log.warn("the key layout marker {} is not checked now: {}", Keys.schema(), e.getMessage());
            return CURRENT;
        }
        if (found == null) {
            try {
                // two processes starting together both land here: NX keeps the first, both read 1
                redis.call(j -> j.set(
                        Keys.schema(),
                        Integer.toString(CURRENT),
                        SetParams.setParams().nx()));
            } catch (RedisUnavailableException | RedisCommandException e) {
                // a full Redis (out of memory), a master short of replicas (NOREPLICAS) or a user without the right
                // refuses the write, not the process: a missing marker already means version 1
                log.warn("the key layout marker {} is not written now: {}", Keys.schema(), e.getMessage());
            }
            return CURRENT;
        }
        int version = parse(found, redis);
        if (version != CURRENT) throw new ConfigException(refusal(version, redis));
        return version;
    }

    private static int parse(String found, Redis redis) {
        try {
            return Integer.parseInt(found.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("Redis at " + redis.settings().address() + " holds '" + found + "' in "
                    + Keys.schema() + ", not a key layout version; jobfleet " + Version.get()
                    + " serves layout version " + CURRENT);
        }
    }

    static String refusal(int version, Redis redis) {
        String where = "Redis at " + redis.settings().address() + " holds jobfleet key layout version " + version + " ("
                + Keys.schema() + "); jobfleet " + Version.get() + " serves layout version " + CURRENT;
        return version > CURRENT
                ? where + " only. A newer release wrote it: run that release (or newer) here (docs/upgrading.md)"
                : where + " and cannot migrate from " + version + " (docs/upgrading.md)";
    }
}
