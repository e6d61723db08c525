package io.jobfleet.common.internal.redis;

import io.jobfleet.common.job.JobState;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import redis.clients.jedis.resps.Tuple;

/**
 * The raw Redis state of one queue, read straight from its keys with plain commands, so tests
 * assert what the scripts wrote rather than what the stores report.
 */
public final class RawQueue {
    /** The structures a job id can sit in. */
    public enum Place {
        PENDING,
        ACTIVE,
        SCHEDULED,
        DEAD
    }

    private final Redis redis;
    private final Keys keys;

    public RawQueue(Redis redis, String queue) {
        this.redis = redis;
        this.keys = Keys.of(queue);
    }

    public Keys keys() {
        return keys;
    }

    /** The pending list, far end first: the last element is the next to be claimed (RPOP). */
    public List<String> pending() {
        return redis.call(j -> j.lrange(keys.pending(), 0, -1));
    }

    public String nextToClaim() {
        return redis.call(j -> j.lindex(keys.pending(), -1));
    }

    public Map<String, Double> active() {
        return zset(keys.active());
    }

    public Map<String, Double> scheduled() {
        return zset(keys.scheduled());
    }

    public Map<String, Double> dead() {
        return zset(keys.dead());
    }

    public Double score(Place place, String id) {
        return switch (place) {
            case ACTIVE -> redis.call(j -> j.zscore(keys.active(), id));
            case SCHEDULED -> redis.call(j -> j.zscore(keys.scheduled(), id));
            case DEAD -> redis.call(j -> j.zscore(keys.dead(), id));
            case PENDING -> throw new IllegalArgumentException("pending is a list");
        };
    }

    private Map<String, Double> zset(String key) {
        Map<String, Double> members = new LinkedHashMap<>();
        for (Tuple t : redis.<List<Tuple>>call(j -> j.zrangeWithScores(key, 0, -1))) {
            members.put(t.getElement(), t.getScore());
        }
        return members;
    }

    /** Every structure that holds {@code id}; PENDING is listed once even if the id sits there twice (see {@link #pendingCount}). */
    public Set<Place> placesOf(String id) {
        Set<Place> places = EnumSet.noneOf(Place.class);
        if (pendingCount(id) > 0) places.add(Place.PENDING);
        if (score(Place.ACTIVE, id) != null) places.add(Place.ACTIVE);
        if (score(Place.SCHEDULED, id) != null) places.add(Place.SCHEDULED);
        if (score(Place.DEAD, id) != null) places.add(Place.DEAD);
        return places;
    }

    public long pendingCount(String id) {
        return pending().stream().filter(id::equals).count();
    }

    /** Where a job in {@code state} must be, and nowhere else. */
    public static Set<Place> placesFor(JobState state) {
        return switch (state) {
            case QUEUED -> EnumSet.of(Place.PENDING);
            case SCHEDULED -> EnumSet.of(Place.SCHEDULED);
            case ACTIVE -> EnumSet.of(Place.ACTIVE);
            case DEAD -> EnumSet.of(Place.DEAD);
            case SUCCEEDED, CANCELLED, EXPIRED -> EnumSet.noneOf(Place.class);
        };
    }

    public Map<String, String> job(String id) {
        return redis.call(j -> j.hgetAll(keys.job(id)));
    }

    public String field(String id, String field) {
        return redis.call(j -> j.hget(keys.job(id), field));
    }

    public JobState state(String id) {
        String state = field(id, "state");
        return state == null ? null : JobState.valueOf(state);
    }

    public boolean exists(String key) {
        return redis.call(j -> j.exists(key));
    }

    /** PTTL in ms: -1 no expiry, -2 no such key. */
    public long pttl(String key) {
        return redis.call(j -> j.pttl(key));
    }

    public Map<String, String> stats() {
        return redis.call(j -> j.hgetAll(keys.stats()));
    }

    public long stat(String field) {
        String value = stats().get(field);
        return value == null ? 0 : Long.parseLong(value);
    }

    public Set<String> allKeys() {
        return redis.call(j -> j.keys("*"));
    }

    public long dbSize() {
        return redis.call(j -> j.dbSize());
    }

    /**
     * Every key of the database with its serialized value (DUMP) and whether it has a TTL: two
     * equal snapshots mean nothing was written in between.
     */
    public Map<String, String> snapshot() {
        Map<String, String> all = new TreeMap<>();
        for (String key : allKeys()) {
            byte[] dump = redis.call(j -> j.dump(key));
            all.put(key, HexFormat.of().formatHex(dump) + (pttl(key) >= 0 ? " +ttl" : ""));
        }
        return all;
    }
}
