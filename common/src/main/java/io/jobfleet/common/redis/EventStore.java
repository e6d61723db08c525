package io.jobfleet.common.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.LPosParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * A job's events for SSE clients. Watching a job adds it to the queue's watched set; from then
 * on every transition script appends to the job's event stream (state changes and progress), so
 * a client that reconnects with the last event id it saw gets everything after it that is
 * still retained (the last 200 events, for a day).
 */
public final class EventStore {
    /** One event: its stream id (the SSE id) and its fields ({@code type} is "state" or "progress"). */
    public record Event(String id, Map<String, String> fields) {}

    private final Redis redis;

    public EventStore(Redis redis) {
        this.redis = redis;
    }

    public void watch(String queue, String jobId) {
        redis.call(j -> j.sadd(Keys.of(queue).watched(), jobId));
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

    /** How many jobs will be claimed before this one (0: next), or -1 when it is not pending. */
    public long position(String queue, String jobId) {
        Keys keys = Keys.of(queue);
        Long index = redis.call(
                j -> j.lpos(keys.pending(), jobId, LPosParams.lPosParams().rank(-1)));
        if (index == null) return -1;
        long length = redis.call(j -> j.llen(keys.pending()));
        return Math.max(0, length - 1 - index);
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
