package io.jobfleet.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Prints rows as aligned columns, the way operators read them in a terminal. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) text[i] = cells[i] == null ? "-" : cells[i].toString();
        rows.add(text);
        return this;
    }

    void print(PrintStream out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], row[i].length());
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) line.append(" ".repeat(width[i] - row[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** 95 ms, 12 s, 3 m, 5 h, 2 d: ages at a glance. */
    static String age(long ms) {
        if (ms < 1_000) return ms + "ms";
        if (ms < 60_000) return ms / 1_000 + "s";
        if (ms < 3_600_000) return ms / 60_000 + "m";
        if (ms < 86_400_000) return ms / 3_600_000 + "h";
        return ms / 86_400_000 + "d";
    }
}
