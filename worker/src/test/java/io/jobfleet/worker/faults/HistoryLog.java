package io.jobfleet.worker.faults;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One append-only history file, kept outside the Redis under test. Each line is one unbuffered
 * write(2), so a line a process wrote survives its SIGKILL; a torn last line (no newline) is
 * ignored by {@link #read}. One writer per file: each producer and each worker JVM has its own.
 */
final class HistoryLog implements AutoCloseable {
    private final FileOutputStream out;

    HistoryLog(Path file) {
        try {
            out = new FileOutputStream(file.toFile(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open history file " + file, e);
        }
    }

    /** Appends one line of space-separated fields. */
    synchronized void append(Object... fields) {
        StringBuilder line = new StringBuilder();
        for (Object field : fields) {
            if (!line.isEmpty()) line.append(' ');
            line.append(field);
        }
        line.append('\n');
        try {
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to history", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            // nothing more will be written
        }
    }

    /** The complete lines of every file in {@code dir} whose name starts with {@code prefix}, split into fields. */
    static List<String[]> read(Path dir, String prefix) {
        List<String[]> lines = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix))
                    .sorted()
                    .toList()) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int end = text.lastIndexOf('\n');
                if (end < 0) continue;
                for (String line : text.substring(0, end).split("\n")) {
                    if (!line.isBlank()) lines.add(line.split(" "));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read history in " + dir, e);
        }
        return lines;
    }
}
