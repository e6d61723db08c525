package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How to reach Redis, read from a URL in one of three forms:
 *
 * <ul>
 *   <li>one server: {@code redis://[user:password@]host[:port][/db]}, {@code rediss://} for TLS;
 *   <li>Sentinel: {@code redis-sentinel://[user:password@]s1[:26379],s2[:26379],...[/db]#masterName}
 *       ({@code rediss-sentinel://} for TLS), the form Lettuce reads; the credentials are the
 *       master's, sentinels are asked without them;
 *   <li>Cluster: {@code redis-cluster://[user:password@]h1[:6379],h2[:6379],...}
 *       ({@code rediss-cluster://} for TLS); any reachable nodes, the client discovers the rest.
 * </ul>
 *
 * Validated when built, with messages that name the setting and the bad value.
 */
public record RedisSettings(
        Topology topology,
        List<Node> nodes,
        String masterName,
        String user,
        String password,
        int database,
        boolean tls,
        int poolSize,
        Duration connectTimeout,
        Duration socketTimeout,
        String clientName) {

    public static final int DEFAULT_PORT = 6379;
    public static final int DEFAULT_SENTINEL_PORT = 26379;
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(5);

    /** One server, a Sentinel-watched master, or a Redis Cluster. */
    public enum Topology {
        SINGLE,
        SENTINEL,
        CLUSTER
    }

    /** A host and port: the server, a sentinel, or a cluster seed node. */
    public record Node(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public RedisSettings {
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) throw new ConfigException("Redis settings name no host");
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
        if (topology == Topology.CLUSTER && database != 0) {
            throw new ConfigException("Redis Cluster has only database 0, got " + database);
        }
        if (topology == Topology.SENTINEL && (masterName == null || masterName.isBlank())) {
            throw new ConfigException("a Sentinel URL must name its master after '#', e.g. "
                    + "redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster");
        }
    }

    /** Parses a Redis URL, e.g. from {@code --redis-url} or {@code JOBFLEET_REDIS_URL}. */
    public static RedisSettings fromUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new ConfigException(
                    "no Redis URL: pass --redis-url or set JOBFLEET_REDIS_URL (e.g. redis://localhost:6379)");
        }
        URI uri = parseUri(url);
        Topology topology = topology(uri.getScheme(), url);
        boolean tls = uri.getScheme().startsWith("rediss");
        Credentials credentials = Credentials.of(uri.getRawAuthority());
        List<Node> nodes = nodes(credentials.hosts(), topology, url);
        int database = database(uri.getPath(), url);
        String master = uri.getFragment();
        if (topology != Topology.SENTINEL && master != null) {
            throw new ConfigException(
                    "Redis URL '" + redact(url) + "' has '#" + master + "': only redis-sentinel:// URLs name a master");
        }
        if (uri.getRawQuery() != null) {
            throw new ConfigException("Redis URL '" + redact(url) + "' has options '?" + uri.getRawQuery()
                    + "': none are read; use the --redis-* flags");
        }
        return new RedisSettings(
                topology,
                nodes,
                master,
                credentials.user(),
                credentials.password(),
                database,
                tls,
                DEFAULT_POOL_SIZE,
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_SOCKET_TIMEOUT,
                "jobfleet");
    }

    private static URI parseUri(String url) {
        try {
            return new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException("Redis URL '" + redact(url) + "' is not a valid URL: " + e.getReason());
        }
    }

    private static Topology topology(String scheme, String url) {
        return switch (scheme == null ? "" : scheme) {
            case "redis", "rediss" -> Topology.SINGLE;
            case "redis-sentinel", "rediss-sentinel" -> Topology.SENTINEL;
            case "redis-cluster", "rediss-cluster" -> Topology.CLUSTER;
            default ->
                throw new ConfigException("Redis URL '" + redact(url)
                        + "' must start with redis:// or rediss:// (TLS), redis-sentinel:// or redis-cluster://");
        };
    }

    /** The user and password before '@' in a URL's authority, and the hosts after it. */
    private record Credentials(String user, String password, String hosts) {
        static Credentials of(String authority) {
            int at = authority == null ? -1 : authority.lastIndexOf('@');
            if (at < 0) return new Credentials(null, null, authority);
            String info = authority.substring(0, at);
            String hosts = authority.substring(at + 1);
            int colon = info.indexOf(':');
            if (colon < 0) { // redis://password@host: a bare secret is a password, as redis-cli reads it
                String secret = decode(info);
                return new Credentials(null, secret.isEmpty() ? null : secret, hosts);
            }
            String user = decode(info.substring(0, colon));
            String password = decode(info.substring(colon + 1));
            // redis://:password@host is the pre-ACL form
            return new Credentials(user.isEmpty() ? null : user, password, hosts);
        }
    }

    private static List<Node> nodes(String hosts, Topology topology, String url) {
        int defaultPort = topology == Topology.SENTINEL ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
        List<Node> nodes = new ArrayList<>();
        if (hosts != null && !hosts.isEmpty()) {
            for (String part : hosts.split(",", -1)) nodes.add(node(part, defaultPort, url));
        }
        if (nodes.isEmpty()) {
            throw new ConfigException("Redis URL '" + redact(url) + "' has no host");
        }
        if (topology == Topology.SINGLE && nodes.size() > 1) {
            throw new ConfigException("Redis URL '" + redact(url) + "' names " + nodes.size()
                    + " hosts: use redis-sentinel://...#master or redis-cluster:// for several");
        }
        return nodes;
    }

    private static int database(String path, String url) {
        if (path == null || path.length() <= 1) return 0;
        try {
            return Integer.parseInt(path.substring(1));
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    "Redis URL '" + redact(url) + "' has database '" + path.substring(1) + "': it must be a number");
        }
    }

    private static Node node(String text, int defaultPort, String url) {
        String host = text;
        String port = null;
        if (text.startsWith("[")) { // [IPv6]:port
            int close = text.indexOf(']');
            if (close < 0) throw new ConfigException("Redis URL '" + redact(url) + "' has a bad host '" + text + "'");
            host = text.substring(1, close);
            if (text.length() > close + 1) {
                if (text.charAt(close + 1) != ':')
                    throw new ConfigException("Redis URL '" + redact(url) + "' has a bad host '" + text + "'");
                port = text.substring(close + 2);
            }
        } else if (text.indexOf(':') >= 0) {
            host = text.substring(0, text.indexOf(':'));
            port = text.substring(text.indexOf(':') + 1);
        }
        if (host.isEmpty()) throw new ConfigException("Redis URL '" + redact(url) + "' has no host");
        if (!host.matches("[A-Za-z0-9._:%_-]+")) {
            throw new ConfigException("Redis URL '" + redact(url) + "' has a bad host '" + host + "'");
        }
        int number = defaultPort;
        if (port != null) {
            try {
                number = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > 65535) {
                throw new ConfigException(
                        "Redis URL '" + redact(url) + "' has port '" + port + "': it must be 1..65535");
            }
        }
        return new Node(host, number);
    }

    /** The server's host (one server), or the first sentinel or seed node. */
    public String host() {
        return nodes.get(0).host();
    }

    public int port() {
        return nodes.get(0).port();
    }

    public RedisSettings withPoolSize(int size) {
        return new RedisSettings(
                topology,
                nodes,
                masterName,
                user,
                password,
                database,
                tls,
                size,
                connectTimeout,
                socketTimeout,
                clientName);
    }

    public RedisSettings withClientName(String name) {
        return new RedisSettings(
                topology,
                nodes,
                masterName,
                user,
                password,
                database,
                tls,
                poolSize,
                connectTimeout,
                socketTimeout,
                name);
    }

    public RedisSettings withTimeouts(Duration connect, Duration socket) {
        return new RedisSettings(
                topology, nodes, masterName, user, password, database, tls, poolSize, connect, socket, clientName);
    }

    /** The URL without credentials, for messages; never the password. */
    public String address() {
        String s = tls ? "s" : "";
        String hosts = nodes.stream().map(Node::toString).collect(Collectors.joining(","));
        String db = database == 0 ? "" : "/" + database;
        return switch (topology) {
            case SINGLE -> "redis" + s + "://" + hosts + db;
            case SENTINEL -> "redis" + s + "-sentinel://" + hosts + db + "#" + masterName;
            case CLUSTER -> "redis" + s + "-cluster://" + hosts;
        };
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
