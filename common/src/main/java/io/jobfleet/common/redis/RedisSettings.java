package io.jobfleet.common.redis;

import io.jobfleet.common.error.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * How to reach Redis: {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for
 * TLS. Validated when built, with messages that name the setting and the bad value.
 */
public record RedisSettings(
        String host,
        int port,
        String user,
        String password,
        int database,
        boolean tls,
        int poolSize,
        Duration connectTimeout,
        Duration socketTimeout,
        String clientName) {

    public static final int DEFAULT_PORT = 6379;
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(5);

    public RedisSettings {
        if (poolSize < 1 || poolSize > 1024) {
            throw new ConfigException("Redis pool size must be 1..1024, got " + poolSize);
        }
        if (connectTimeout.isNegative()
                || connectTimeout.isZero()
                || socketTimeout.isNegative()
                || socketTimeout.isZero()) {
            throw new ConfigException(
                    "Redis timeouts must be positive, got connect " + connectTimeout + ", socket " + socketTimeout);
        }
        if (database < 0) throw new ConfigException("Redis database must be >= 0, got " + database);
    }

    /** Parses a Redis URL, e.g. from {@code --redis-url} or {@code JOBFLEET_REDIS_URL}. */
    public static RedisSettings fromUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new ConfigException(
                    "no Redis URL: pass --redis-url or set JOBFLEET_REDIS_URL (e.g. redis://localhost:6379)");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException("Redis URL '" + redact(url) + "' is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new ConfigException("Redis URL '" + redact(url) + "' must start with redis:// or rediss:// (TLS)");
        }
        if (uri.getHost() == null) {
            throw new ConfigException("Redis URL '" + redact(url) + "' has no host");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
            if (user.isEmpty()) user = null; // redis://:password@host is the pre-ACL form
            if (colon < 0) { // redis://password@host: a bare secret is a password, as redis-cli reads it
                password = user;
                user = null;
            }
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new ConfigException("Redis URL '" + redact(url) + "' has database '" + path.substring(1)
                        + "': it must be a number");
            }
        }
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        return new RedisSettings(
                uri.getHost(),
                port,
                user,
                password,
                database,
                "rediss".equals(scheme),
                DEFAULT_POOL_SIZE,
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_SOCKET_TIMEOUT,
                "jobfleet");
    }

    public RedisSettings withPoolSize(int size) {
        return new RedisSettings(
                host, port, user, password, database, tls, size, connectTimeout, socketTimeout, clientName);
    }

    public RedisSettings withClientName(String name) {
        return new RedisSettings(
                host, port, user, password, database, tls, poolSize, connectTimeout, socketTimeout, name);
    }

    public RedisSettings withTimeouts(Duration connect, Duration socket) {
        return new RedisSettings(host, port, user, password, database, tls, poolSize, connect, socket, clientName);
    }

    /** host:port, for messages; never the password. */
    public String address() {
        return (tls ? "rediss://" : "redis://") + host + ":" + port + (database == 0 ? "" : "/" + database);
    }

    @Override
    public String toString() {
        return address();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String redact(String url) {
        return url.replaceAll("//[^@/]*@", "//***@");
    }
}
