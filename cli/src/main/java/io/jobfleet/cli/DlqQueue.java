package io.jobfleet.cli;

import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.Redis;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** What every dlq subcommand starts from: the Redis to connect to and the queue (its first argument). */
final class DlqQueue {
    @Mixin
    RedisOptions redis;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    /** The queue, refused with a clear message when its name is not valid. */
    String checkedQueue() {
        Names.checkQueue(queue);
        return queue;
    }

    Redis connect() {
        return redis.connect("jobfleet-cli");
    }
}
