package io.jobfleet.common.internal.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.LPosParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * A job's events for SSE clients. Watching a job that has not finished adds it to the queue's watched set; from then
 * on every transition script appends to the job's event stream (state changes and progress), so
 * a client that reconnects with the last event id it saw gets everything after it that is
 * still retained (the last 200 events, for a day).
 */
public final class EventStore {
    /** One event: its stream id (the SSE id) and its fields ({@code type} is "state" or "progress"). */
    public record Event(String id, Map<String, String> fields) {}

    /**
     * Jobs ahead of a waiting job: exact, or when {@code atLeast} a lower bound (the job is further
     * from the claim end than the position scan looks).
     */
    public record Position(long ahead, boolean atLeast) {}

    /** How far from the claim end {@link #position} looks: LPOS is O(jobs scanned), asked once a second per watcher. */
    public static final int POSITION_SCAN = 10_000;

    private final Redis redis;
    private final int positionScan;

    public EventStore(Redis redis) {
        this(redis, POSITION_SCAN);
    }

    EventStore(Redis redis, int positionScan) {
        this.redis = redis;
        this.positionScan = positionScan;
    }

    /**
     * From now on the job's transitions are written to its event stream. A job that has finished
     * or is gone is not watched (nothing would ever remove it from the watched set); returns
     * whether it is.
     */
    public boolean watch(String queue, String jobId) {
        Keys keys = Keys.of(queue);
        return Reply.code(redis.run(Script.WATCH, List.of(keys.job(jobId), keys.watched()), List.of(jobId))) == 1;
    }

    /** Events after {@code afterId} ("0" for all retained), oldest first. */
    public List<Event> after(String queue, String jobId, String afterId, int count) {
        StreamEntryID start = afterId == null || afterId.equals("0") ? new StreamEntryID(0, 0) : next(afterId);
        List<StreamEntry> entries = redis.call(j -> j.xrange(Keys.of(queue).events(jobId), start, null, count));
        List<Event> events = new ArrayList<>(entries.size());
        for (StreamEntry e : entries) events.add(new Event(e.getID().toString(), e.getFields()));
        return events;
    }

    /** The id of the newest retained event, or "0". */
    public String lastId(String queue, String jobId) {
        List<StreamEntry> last =
                redis.call(j -> j.xrevrange(Keys.of(queue).events(jobId), (StreamEntryID) null, null, 1));
        return last.isEmpty() ? "0" : last.get(0).getID().toString();
    }

    /**
     * How many jobs will be claimed before this one (0: next); empty when it is not waiting. Only
     * the {@link #POSITION_SCAN} jobs nearest the claim end are searched; a waiting job beyond
     * them is "at least that many ahead".
     */
    public Optional<Position> position(String queue, String jobId) {
        Keys keys = Keys.of(queue);
        // rank -1 searches from the claim end (the right), so the scan covers the next jobs to run
        Long index = redis.call(j ->
                j.lpos(keys.pending(), jobId, LPosParams.lPosParams().rank(-1).maxlen(positionScan)));
        if (index != null) {
            long length = redis.call(j -> j.llen(keys.pending()));
            return Optional.of(new Position(Math.max(0, length - 1 - index), false));
        }
        String state = redis.call(j -> j.hget(keys.job(jobId), "state"));
        return "QUEUED".equals(state) ? Optional.of(new Position(positionScan, true)) : Optional.empty();
    }

    private static StreamEntryID next(String id) {
        try {
            StreamEntryID e = new StreamEntryID(id);
            return new StreamEntryID(e.getTime(), e.getSequence() + 1);
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("Last-Event-ID '" + id + "' is not an event id of this stream");
        }
    }
}
