package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.ConfigException;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks {@link Redis#connect} makes on every server it reaches (every Cluster master that
 * answers): refused when older than 6.2 or when its maxmemory-policy would evict queue state;
 * warned about when a setting it relies on cannot work there.
 */
final class ServerCheck {
    private static final Logger log = LoggerFactory.getLogger(ServerCheck.class);

    private ServerCheck() {}

    static void run(Redis redis) {
        RedisSettings settings = redis.settings();
        Map<String, String> servers = redis.infoEveryNode("server");
        Map<String, String> memory = redis.infoEveryNode("memory");
        Map<String, String> replication = redis.infoEveryNode("replication");
        for (Map.Entry<String, String> server : servers.entrySet()) {
            String where = settings.topology() == RedisSettings.Topology.SINGLE
                    ? settings.address()
                    : server.getKey() + " (of " + settings.address() + ")";
            String version = ServerInfo.field(server.getValue(), "redis_version");
            if (version == null || !atLeast(version, 6, 2, 0)) {
                throw new ConfigException(
                        "Redis at " + where + " is version " + version + "; jobfleet needs Redis 6.2 or newer");
            }
            String policy = memory.containsKey(server.getKey())
                    ? ServerInfo.field(memory.get(server.getKey()), "maxmemory_policy")
                    : null;
            if (policy != null && !policy.equals("noeviction")) {
                throw new ConfigException("Redis at " + where + " has maxmemory-policy '" + policy
                        + "': jobfleet needs 'noeviction', because eviction would silently delete queued jobs."
                        + " Fix it with: redis-cli CONFIG SET maxmemory-policy noeviction (and in redis.conf)");
            }
            minReplicasWarning(where, version, replication.getOrDefault(server.getKey(), ""))
                    .ifPresent(log::warn);
        }
    }

    /**
     * A warning when {@code min-replicas-to-write} is on (INFO replication then shows
     * {@code min_slaves_good_slaves}) on a server that may not apply it to scripts: Redis checked
     * it only for plain write commands until redis/redis#10160 (7.0), and every jobfleet write is
     * a script. 6.2.11 and 7.0.15 were seen to refuse script writes (MinReplicasTest); 6.2.2 was
     * reported not to (redis/redis#9993); what lies between was not checked, so it is warned about.
     */
    static Optional<String> minReplicasWarning(String where, String version, String replicationInfo) {
        if (ServerInfo.field(replicationInfo, "min_slaves_good_slaves") == null || atLeast(version, 6, 2, 11))
            return Optional.empty();
        return Optional.of("Redis at " + where + " is version " + version
                + " with min-replicas-to-write set: Redis before 7.0 may run scripts past it (redis/redis#9993),"
                + " and every jobfleet write is a script, so it may not narrow the failover window here."
                + " Redis 6.2.11 and 7.0.15 were seen to apply it to scripts: upgrade to one of those or newer");
    }

    static boolean atLeast(String version, int major, int minor, int patch) {
        String[] parts = version.split("[.-]");
        int[] have = new int[3];
        for (int i = 0; i < 3 && i < parts.length; i++) have[i] = Integer.parseInt(parts[i]);
        int[] want = {major, minor, patch};
        for (int i = 0; i < 3; i++) {
            if (have[i] != want[i]) return have[i] > want[i];
        }
        return true;
    }
}
