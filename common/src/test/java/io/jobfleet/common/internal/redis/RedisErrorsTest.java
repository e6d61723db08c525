package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.error.RedisCommandException;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Jedis errors become jobfleet's own at the edge, including errors raised inside a script, which
 * Redis 6.2 wraps in "ERR Error running script ..." while 7.x keeps the error code first.
 */
class RedisErrorsTest {
    private static final Redis REDIS = Redis.open(RedisSettings.fromUrl("redis://127.0.0.1:1"));
    private static final String WRAPPED_62 =
            "ERR Error running script (call to f_df4470ac5d16ef05ac0b01823b080b603c103769):"
                    + " @user_script:49: @user_script: 49: -";

    @AfterAll
    static void close() {
        REDIS.close();
    }

    private static RuntimeException translate(String message) {
        return REDIS.edge().translate(new JedisDataException(message));
    }

    @Test
    void outOfMemoryInEveryForm() {
        String oom = "OOM command not allowed when used memory > 'maxmemory'.";
        assertThat(translate(oom)).isInstanceOf(RedisOutOfMemoryException.class);
        assertThat(translate(WRAPPED_62 + oom)).isInstanceOf(RedisOutOfMemoryException.class);
        assertThat(translate(oom + " script: df4470ac5d16ef05ac0b01823b080b603c103769, on @user_script:49."))
                .isInstanceOf(RedisOutOfMemoryException.class);
    }

    @Test
    void transientErrorsAreWorthRetrying() {
        for (String message : new String[] {
            "READONLY You can't write against a read only replica.",
            WRAPPED_62 + "READONLY You can't write against a read only replica.",
            "LOADING Redis is loading the dataset in memory",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            "CLUSTERDOWN The cluster is down",
            "TRYAGAIN Multiple keys request during rehashing of slot"
        }) {
            assertThat(translate(message))
                    .as(message)
                    .isInstanceOf(RedisUnavailableException.class)
                    .isNotInstanceOf(RedisOutOfMemoryException.class)
                    .hasMessageContaining("cannot serve now");
        }
        assertThat(REDIS.edge().translate(new JedisConnectionException("Connection refused")))
                .isInstanceOf(RedisUnavailableException.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void otherErrorsAreCommandErrors() {
        for (String message : new String[] {
            "WRONGTYPE Operation against a key holding the wrong kind of value",
            "NOPERM this user has no permissions to run the 'evalsha' command",
            "ERR Error running script (call to f_x): @user_script:3: user_script:3: Script attempted to access"
                    + " nonexistent global variable 'x'",
            WRAPPED_62 + "WRONGTYPE Operation against a key holding the wrong kind of value"
        }) {
            assertThat(translate(message))
                    .as(message)
                    .isInstanceOf(RedisCommandException.class)
                    .hasMessageContaining("refused a command");
        }
    }
}
