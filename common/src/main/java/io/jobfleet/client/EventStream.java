package io.jobfleet.client;

import io.jobfleet.common.internal.job.Json;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * The events of one open Server-Sent Events response, parsed line by line as they arrive ({@code
 * id:}, {@code event:}, {@code data:}; comment lines, the keep-alives, are skipped). Closing it
 * hangs up.
 */
final class EventStream implements AutoCloseable {
    private final Stream<String> lines;
    private final Iterator<String> next;

    EventStream(Stream<String> lines) {
        this.lines = lines;
        this.next = lines.iterator();
    }

    /** The next event, blocking until it arrives; null when the server ended the stream. */
    JobEvent next() {
        String id = null;
        String type = null;
        StringBuilder data = new StringBuilder();
        while (next.hasNext()) {
            String line = next.next();
            if (line.isEmpty()) {
                if (type == null && data.isEmpty()) continue;
                return new JobEvent(id, type == null ? "message" : type, Json.read(data.toString()));
            }
            if (line.startsWith("id:")) id = value(line, 3);
            else if (line.startsWith("event:")) type = value(line, 6);
            else if (line.startsWith("data:")) {
                if (!data.isEmpty()) data.append('\n');
                data.append(value(line, 5));
            }
        }
        return null;
    }

    private static String value(String line, int from) {
        return line.substring(from).strip();
    }

    @Override
    public void close() {
        lines.close();
    }
}
