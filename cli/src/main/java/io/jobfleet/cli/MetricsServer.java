package io.jobfleet.cli;

import io.jobfleet.common.error.ConfigException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;

/** A worker's /metrics endpoint (the Prometheus client's small JDK HTTP server); port -1 turns it off. */
final class MetricsServer implements AutoCloseable {
    static final int DEFAULT_PORT = 9400;

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    static MetricsServer start(int port, PrometheusRegistry registry) {
        if (port < 0) return new MetricsServer(null);
        try {
            return new MetricsServer(
                    HTTPServer.builder().port(port).registry(registry).buildAndStart());
        } catch (IOException e) {
            throw new ConfigException("cannot serve metrics on port " + port + " (" + e.getMessage()
                    + "): choose another with --metrics-port, or -1 to turn metrics off");
        }
    }

    int port() {
        return server == null ? -1 : server.getPort();
    }

    String describe() {
        return server == null ? "" : "; metrics on http://0.0.0.0:" + port() + "/metrics";
    }

    @Override
    public void close() {
        if (server != null) server.close();
    }
}
