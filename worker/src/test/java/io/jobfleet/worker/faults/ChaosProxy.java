package io.jobfleet.worker.faults;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback between Redis clients and one redis-server, whose behaviour the test
 * switches at run time (this kernel has no netem). Modes: {@link Mode#PASS}; {@link Mode#LATENCY}
 * (every forwarded chunk waits {@code latencyMs}, both ways); {@link Mode#BLACK_HOLE} (sockets
 * stay open, nothing is forwarded either way); {@link Mode#LOST_REPLIES} (requests reach Redis,
 * its replies are dropped: the command ran, the client never learns it). {@link #reset()} aborts
 * every open connection with an RST; leaving a black hole or lost replies does the same, as the
 * timeout of a real network would end those connections. A connection that dropped bytes never
 * forwards again in that direction: a stream with a hole in it would be garbage, not a fault.
 */
final class ChaosProxy implements AutoCloseable {
    enum Mode {
        PASS,
        LATENCY,
        BLACK_HOLE,
        LOST_REPLIES
    }

    /** One proxied connection: the client's socket and ours to Redis. */
    private static final class Link {
        final Socket client;
        final Socket upstream;
        final AtomicInteger pumpsDone = new AtomicInteger();
        final AtomicBoolean ended = new AtomicBoolean(); // set by whoever ends it first
        volatile boolean severed; // dropped bytes: forwards nothing more

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }
    }

    private final String name;
    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Map<Mode, AtomicLong> applied = new EnumMap<>(Mode.class);
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong resetCalls = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong droppedBytes = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private volatile Mode mode = Mode.PASS;
    private volatile long latencyMs;
    private volatile boolean closed;

    private ChaosProxy(String name, int targetPort, ServerSocket listener) {
        this.name = name;
        this.targetPort = targetPort;
        this.listener = listener;
        for (Mode m : Mode.values()) applied.put(m, new AtomicLong());
    }

    /** Listens on a free loopback port and forwards to {@code 127.0.0.1:targetPort}. */
    static ChaosProxy start(String name, int targetPort) {
        try {
            ServerSocket listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            ChaosProxy proxy = new ChaosProxy(name, targetPort, listener);
            Thread.ofPlatform().daemon().name("proxy-" + name).start(proxy::accept);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start proxy " + name, e);
        }
    }

    String name() {
        return name;
    }

    String url() {
        return "redis://127.0.0.1:" + listener.getLocalPort();
    }

    Mode mode() {
        return mode;
    }

    void pass() {
        switchTo(Mode.PASS);
    }

    void latency(long ms) {
        latencyMs = ms;
        switchTo(Mode.LATENCY);
    }

    void blackHole() {
        switchTo(Mode.BLACK_HOLE);
    }

    void loseReplies() {
        switchTo(Mode.LOST_REPLIES);
    }

    /** Aborts every open connection with an RST (SO_LINGER 0); new connections pass. Returns how many. */
    int reset() {
        resetCalls.incrementAndGet();
        int n = 0;
        for (Link link : links) {
            if (abort(link)) n++;
        }
        resets.addAndGet(n);
        return n;
    }

    /** Times a mode was switched on ({@link #reset()} calls count under their own name). */
    long applied(Mode m) {
        return applied.get(m).get();
    }

    long resetCalls() {
        return resetCalls.get();
    }

    /** Connections aborted with an RST so far. */
    long connectionsReset() {
        return resets.get();
    }

    long connectionsAccepted() {
        return accepted.get();
    }

    /** Connections the client closed itself after they had stopped forwarding: its own timeout gave up on them. */
    long connectionsAbandoned() {
        return abandoned.get();
    }

    long droppedBytes() {
        return droppedBytes.get();
    }

    private synchronized void switchTo(Mode next) {
        Mode previous = mode;
        mode = next;
        if (next != previous) applied.get(next).incrementAndGet();
        if ((previous == Mode.BLACK_HOLE || previous == Mode.LOST_REPLIES) && next != previous) reset();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            Thread.ofVirtual().name("proxy-" + name + "-connect").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
        } catch (IOException e) {
            abort(client); // Redis is down: the client sees the connection refused, as it would
            abort(upstream);
            return;
        }
        Link link = new Link(client, upstream);
        links.add(link);
        Thread.ofVirtual().name("proxy-" + name + "-up").start(() -> pump(link, client, upstream, true));
        Thread.ofVirtual().name("proxy-" + name + "-down").start(() -> pump(link, upstream, client, false));
    }

    /** Copies one direction chunk by chunk, applying the mode current when each chunk arrives. */
    private void pump(Link link, Socket from, Socket to, boolean request) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) != -1) {
                Mode now = mode;
                boolean drop = link.severed || now == Mode.BLACK_HOLE || (now == Mode.LOST_REPLIES && !request);
                if (drop) {
                    link.severed = true;
                    droppedBytes.addAndGet(n);
                    continue;
                }
                if (now == Mode.LATENCY) Thread.sleep(latencyMs);
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput(); // an orderly close: pass it on
            if (link.pumpsDone.incrementAndGet() < 2) return;
            link.ended.set(true);
        } catch (IOException | InterruptedException e) {
            // an RST, or the other side closed the sockets. Jedis closes with SO_LINGER 0, so a
            // client that gives up on a connection (its socket timeout) resets it: count those
            if (link.ended.compareAndSet(false, true) && request && link.severed) abandoned.incrementAndGet();
        }
        links.remove(link);
        close(link.client);
        close(link.upstream);
    }

    /** Ends a link with an RST both ways, unless something else ended it first. */
    private boolean abort(Link link) {
        links.remove(link);
        if (!link.ended.compareAndSet(false, true)) return false;
        abort(link.client);
        abort(link.upstream);
        return true;
    }

    private static void abort(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        close(socket);
    }

    private static void close(Closeable socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** Stops accepting and resets every open connection. */
    @Override
    public void close() {
        closed = true;
        close(listener);
        links.forEach(this::abort);
    }
}
