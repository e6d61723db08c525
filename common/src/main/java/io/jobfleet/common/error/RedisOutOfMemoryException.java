package io.jobfleet.common.error;

/** Redis reached maxmemory (policy noeviction) and refused a write: enqueue fails, draining goes on. */
public class RedisOutOfMemoryException extends RedisUnavailableException {
    public RedisOutOfMemoryException(Throwable cause) {
        super(
                "Redis is out of memory (maxmemory reached with noeviction): new jobs are refused until workers drain"
                        + " the queues or maxmemory is raised",
                cause);
    }

    @Override
    public String code() {
        return "redis_out_of_memory";
    }
}
