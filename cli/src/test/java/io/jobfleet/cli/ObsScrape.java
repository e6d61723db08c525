package io.jobfleet.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a /metrics endpoint in the Prometheus text format: its families and samples. */
record ObsScrape(String text, Map<String, String> types, List<Sample> samples) {
    record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+).*");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static ObsScrape parse(String text) {
        Map<String, String> types = new TreeMap<>();
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches()) throw new AssertionError("not a sample line: " + line);
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(3) != null) {
                    Matcher l = LABEL.matcher(m.group(3));
                    while (l.find()) labels.put(l.group(1), l.group(2));
                }
                samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
            }
        }
        return new ObsScrape(text, types, samples);
    }

    /** Every sample name, as a query selects it: histograms appear as _bucket, _count and _sum. */
    Set<String> sampleNames() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** Label names of a family, over all its samples ({@code le} of histogram buckets left out). */
    Set<String> labelNames(String family) {
        Set<String> names = new TreeSet<>();
        for (Sample s : samples) {
            if (s.name().equals(family) || s.name().startsWith(family + "_"))
                names.addAll(s.labels().keySet());
        }
        names.remove("le");
        return names;
    }

    /** The sum of the samples named {@code name} whose labels include every given pair (0 if none). */
    double value(String name, String... labelPairs) {
        double sum = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), labelPairs)) sum += s.value();
        }
        return sum;
    }

    /** The largest matching sample, for gauges that several exporters report (the max() of a query). */
    double max(String name, String... labelPairs) {
        double max = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), labelPairs)) max = Math.max(max, s.value());
        }
        return max;
    }

    static double max(Collection<ObsScrape> scrapes, String name, String... labelPairs) {
        return scrapes.stream().mapToDouble(s -> s.max(name, labelPairs)).max().orElse(0);
    }

    private static boolean matches(Map<String, String> labels, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(labels.get(pairs[i]))) return false;
        }
        return true;
    }
}
