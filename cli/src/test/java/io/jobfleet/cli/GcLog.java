package io.jobfleet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a child JVM's heap did, read from its {@code -Xlog:gc:file=...} log: the most heap in use
 * seen before any collection (the peak, to the resolution of the collections) and how many ran.
 */
record GcLog(int collections, long peakBeforeGcKb, long heapCapacityKb) {
    private static final Pattern PAUSE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    static List<String> flags(Path log, String maxHeap) {
        return List.of("-Xmx" + maxHeap, "-Xlog:gc:file=" + log);
    }

    static GcLog read(Path log) throws IOException {
        int collections = 0;
        long peak = 0;
        long capacity = 0;
        for (String line : Files.readAllLines(log)) {
            Matcher m = PAUSE.matcher(line);
            if (!m.find()) continue;
            collections++;
            peak = Math.max(peak, kb(m.group(1), m.group(2)));
            capacity = Math.max(capacity, kb(m.group(5), m.group(6)));
        }
        return new GcLog(collections, peak, capacity);
    }

    private static long kb(String number, String unit) {
        long n = Long.parseLong(number);
        return switch (unit) {
            case "K" -> n;
            case "M" -> n * 1024;
            default -> n * 1024 * 1024;
        };
    }

    @Override
    public String toString() {
        return String.format(
                "peak heap in use %.1f MB (before a collection; %d collections), heap capacity %.0f MB",
                peakBeforeGcKb / 1024.0, collections, heapCapacityKb / 1024.0);
    }
}
