package io.jobfleet.common.internal.redis;

import io.jobfleet.common.internal.job.Names;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place Redis key names are made. Every key of a queue starts with
 * {@code jobfleet:{queue}:}, so the whole queue hashes to one Cluster slot and every script
 * runs there. Scripts that find job ids in a list get this prefix and build exactly the keys
 * named by {@link #SCRIPT_SUFFIXES} from it ({@code job:<id>}, {@code steps:<id>},
 * {@code events:<id>}, {@code idem:<key>}, {@code minute:<epoch minute>}, {@code watched}), with
 * the same strings as the methods here; every other key reaches a script through {@code KEYS}.
 * ScriptFilesTest holds the scripts to that list. A partition {@code k > 0} of a partitioned
 * queue is a queue of its own here, named {@code q~k} (see {@link Names#partition}), so its keys
 * carry the tag {@code {q~k}}.
 */
public final class Keys {
    public static final String ROOT = "jobfleet:";

    static final String JOB = "job:";
    static final String STEPS = "steps:";
    static final String EVENTS = "events:";
    static final String IDEMPOTENCY = "idem:";
    static final String MINUTE = "minute:";
    static final String WATCHED = "watched";
    static final String RUNNING = "running:";
    static final String STARTS = "starts:";
    static final String PARKED = "parked:";
    static final String GROUP = "group:";
    static final String UNIQUE = "uniq:";
    static final String LIMITS = "limits";
    static final String THROTTLED = "throttled";
    static final String THROTTLED_BY = "throttledby";
    static final String PRIORITIZED = "prio";
    static final String GROUPS = "groups";
    /** How long a per-minute outcome hash lives (65 minutes: an hour of history and a margin). */
    static final long MINUTE_TTL_MS = 3_900_000;
    /** How long a job's event stream lives after its last event (a day). */
    static final long EVENTS_TTL_MS = 86_400_000;
    /** About how many events a job's stream keeps (XADD MAXLEN ~). */
    static final int EVENTS_MAXLEN = 200;
    /** The suffixes scripts append to a queue's {@link #prefix} themselves: the Lua side of this class. */
    static final java.util.List<String> SCRIPT_SUFFIXES = java.util.List.of(
            JOB,
            STEPS,
            EVENTS,
            IDEMPOTENCY,
            MINUTE,
            WATCHED,
            RUNNING,
            STARTS,
            PARKED,
            GROUP,
            UNIQUE,
            LIMITS,
            THROTTLED,
            THROTTLED_BY,
            PRIORITIZED,
            GROUPS);
    /**
     * Queues whose keys are kept once made. Any reader can name queues without end (GET
     * /v1/queues/&lt;random&gt;), so past this many names the keys are made afresh on each call.
     */
    static final int CACHE_LIMIT = 1024;

    private static final ConcurrentHashMap<String, Keys> CACHE = new ConcurrentHashMap<>();

    private final String queue;
    private final String prefix;
    private final String pending;
    private final String active;
    private final String scheduled;
    private final String dead;
    private final String paused;
    private final String stats;

    private Keys(String queue) {
        this.queue = Names.checkPhysical(queue);
        this.prefix = ROOT + "{" + queue + "}:";
        this.pending = prefix + "pending";
        this.active = prefix + "active";
        this.scheduled = prefix + "scheduled";
        this.dead = prefix + "dead";
        this.paused = prefix + "paused";
        this.stats = prefix + "stats";
    }

    public static Keys of(String queue) {
        Keys keys = CACHE.get(queue);
        if (keys != null) return keys;
        // two threads may both pass the size check: the bound can be overshot by the thread count
        return CACHE.size() < CACHE_LIMIT ? CACHE.computeIfAbsent(queue, Keys::new) : new Keys(queue);
    }

    /** How many queues' keys are cached (tests). */
    static int cached() {
        return CACHE.size();
    }

    public String queue() {
        return queue;
    }

    /** The Redis Cluster slot every key of this queue (or partition) hashes to. */
    public int slot() {
        return redis.clients.jedis.util.JedisClusterCRC16.getSlot(prefix);
    }

    /** {@code jobfleet:{q}:} — given to scripts that build job keys of this queue (same slot). */
    public String prefix() {
        return prefix;
    }

    /** List of job ids waiting to run, claimed from the right. Its LLEN is the queue depth. */
    public String pending() {
        return pending;
    }

    /** Sorted set of running job ids scored by lease deadline (server ms). */
    public String active() {
        return active;
    }

    /** Sorted set of job ids scored by the time they are due (delays, run-at, retry backoff). */
    public String scheduled() {
        return scheduled;
    }

    /** Sorted set of dead job ids scored by the time they died: the dead-letter queue. */
    public String dead() {
        return dead;
    }

    /** Exists while the queue is paused. */
    public String paused() {
        return paused;
    }

    /**
     * Exists while this partition is dropped from its queue's layout: enqueue refuses to write
     * here, so a producer with an older layout picks again. Removed when the queue grows back.
     */
    public String retired() {
        return prefix + "retired";
    }

    /** Hash of counters: succeeded, retried, dead, cancelled, orphansRecovered, purged, deadExpired. */
    public String stats() {
        return stats;
    }

    public String job(String id) {
        return prefix + JOB + id;
    }

    public String steps(String id) {
        return prefix + STEPS + id;
    }

    public String idempotency(String key) {
        return prefix + IDEMPOTENCY + key;
    }

    /** Set of job ids an SSE client is watching: only their transitions are written to an event stream. */
    public String watched() {
        return prefix + WATCHED;
    }

    /** Stream of one watched job's state changes and progress ({@link #EVENTS_MAXLEN}, {@link #EVENTS_TTL_MS}). */
    public String events(String id) {
        return prefix + EVENTS + id;
    }

    /** Hash of outcome counts (succeeded, retried, dead) in one epoch minute; expires after {@link #MINUTE_TTL_MS}. */
    public String minute(long epochMinute) {
        return prefix + MINUTE + epochMinute;
    }

    /**
     * Hash of the queue's flow-control limits: {@code c:<scope>} = most jobs running at once,
     * {@code r:<scope>} = "N periodMs" (most starts per period). Scopes: {@code queue},
     * {@code type:<t>}, {@code key:<k>}, {@code key:*}, {@code group:<g>}, {@code group:*}.
     */
    public String limits() {
        return prefix + LIMITS;
    }

    /** Set of the ids of running jobs that hold a slot of a concurrency-limited scope ({@code key:k}, never {@code key:*}). */
    public String running(String scope) {
        return prefix + RUNNING + scope;
    }

    /** Sorted set logging a rate-limited scope's starts (member {@code id:token}, score start ms): a sliding window. */
    public String starts(String scope) {
        return prefix + STARTS + scope;
    }

    /** List of the entries (job ids, group markers) parked while a scope is at its limit, oldest at the claim end. */
    public String parked(String scope) {
        return prefix + PARKED + scope;
    }

    /** Sorted set of scopes with parked entries, scored by when (server ms) to look at them again. */
    public String throttled() {
        return prefix + THROTTLED;
    }

    /** Hash of how many times a claim found a job over each scope's limit (scope -> count). */
    public String throttledBy() {
        return prefix + THROTTLED_BY;
    }

    /** Sorted set of waiting jobs of priority 1..9, scored by enqueue time plus priority x the aging step. */
    public String prioritized() {
        return prefix + PRIORITIZED;
    }

    /** List of one fairness group's waiting job ids (claimed from the right). */
    public String group(String name) {
        return prefix + GROUP + name;
    }

    /** Hash of fairness groups: group -> how many of its jobs wait. */
    public String groups() {
        return prefix + GROUPS;
    }

    /** String naming the job that holds a unique key. */
    public String unique(String key) {
        return prefix + UNIQUE + key;
    }

    /** Pattern matching every key of this queue (or partition), for SCAN. */
    public String pattern() {
        return prefix + "*";
    }

    /**
     * String holding the integer version of the key layout (see {@link SchemaVersion}): fleet-wide,
     * its own slot, read once at startup.
     */
    public static String schema() {
        return ROOT + "schema";
    }

    /** List the bench's baseline phase fills and deletes (in the slot of its queue {@code bench}). */
    public static String benchBaseline() {
        return ROOT + "{bench}:baseline";
    }

    /** List of operator actions (newest first, bounded): who did what to which queue, and to how many jobs. */
    public static String audit() {
        return ROOT + "audit";
    }

    /** Hash of partitioned queues: queue name -> partition count (fleet-wide, its own slot). No entry: one partition. */
    public static String partitions() {
        return ROOT + "partitions";
    }

    /** Set of known queue names (fleet-wide, its own slot). */
    public static String queues() {
        return ROOT + "queues";
    }

    /** Sorted set of worker ids scored by last heartbeat (fleet-wide). */
    public static String workers() {
        return ROOT + "workers";
    }

    /** Hash describing one worker; expires when its heartbeats stop. */
    public static String worker(String id) {
        return ROOT + "worker:" + id;
    }
}
