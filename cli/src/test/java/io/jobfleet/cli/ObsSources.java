package io.jobfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads the PromQL and metric names out of the operations kit: dashboard, alert rules, docs, runbooks. */
final class ObsSources {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INLINE_CODE = Pattern.compile("`([^`\n]+)`");

    private ObsSources() {}

    static JsonNode dashboard() {
        try {
            return JSON.readTree(ObsTools.read("grafana/dashboards/jobfleet.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every query of the dashboard: panel targets and template variables, with where each is. */
    static Map<String, String> dashboardQueries() {
        Map<String, String> queries = new LinkedHashMap<>();
        JsonNode dashboard = dashboard();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.put(
                        "panel '" + panel.path("title").asText() + "' "
                                + target.path("refId").asText(),
                        target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            if (variable.path("type").asText().equals("query")) {
                queries.put(
                        "variable " + variable.path("name").asText(),
                        query.isObject() ? query.path("query").asText() : query.asText());
            }
        }
        return queries;
    }

    /** alert name -> expr, read from grafana/alerts.yml (single-line or block-scalar exprs). */
    static Map<String, String> alertExprs() {
        return alertField("expr");
    }

    /** alert name -> runbook_url annotation. */
    static Map<String, String> runbookUrls() {
        return alertField("runbook_url");
    }

    private static Map<String, String> alertField(String field) {
        List<String> lines = ObsTools.read("grafana/alerts.yml").lines().toList();
        Map<String, String> out = new LinkedHashMap<>();
        String alert = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.startsWith("- alert:")) alert = trimmed.substring(8).strip();
            if (alert == null || !trimmed.startsWith(field + ":")) continue;
            String value = trimmed.substring(field.length() + 1).strip();
            if (value.equals("|") || value.equals(">") || value.equals("|-") || value.equals(">-")) {
                int indent = line.indexOf(trimmed);
                StringBuilder block = new StringBuilder();
                while (i + 1 < lines.size()
                        && (lines.get(i + 1).isBlank()
                                || lines.get(i + 1).indexOf(lines.get(i + 1).strip()) > indent)) {
                    block.append(lines.get(++i).strip()).append('\n');
                }
                value = block.toString().strip();
            } else if (value.length() > 1 && (value.startsWith("\"") || value.startsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            out.put(alert, value);
        }
        return out;
    }

    /** PromQL in docs: the Prometheus scaler's query lines, and the lines of ``` blocks in docs/metrics.md. */
    static Map<String, String> docQueries() {
        Map<String, String> queries = new LinkedHashMap<>();
        for (String line : ObsTools.read("docs/autoscaling.md").lines().toList()) {
            if (line.strip().startsWith("query:"))
                queries.put(
                        "docs/autoscaling.md: " + line.strip(),
                        line.strip().substring(6).strip());
        }
        boolean inBlock = false;
        for (String line : ObsTools.read("docs/metrics.md").lines().toList()) {
            if (line.startsWith("```")) inBlock = !inBlock;
            else if (inBlock && !line.isBlank() && !line.startsWith("#")) queries.put("docs/metrics.md: " + line, line);
        }
        return queries;
    }

    /** Inline code that names a metric (`jobfleet_...`) in docs and runbooks: file -> mentions. */
    static Map<String, List<String>> metricMentions() {
        Map<String, List<String>> mentions = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>(List.of(
                ObsTools.file("docs/metrics.md"), ObsTools.file("docs/autoscaling.md"), ObsTools.file("README.md")));
        files.addAll(markdown("runbooks"));
        for (Path file : files) {
            List<String> found = new ArrayList<>();
            Matcher m = INLINE_CODE.matcher(readString(file));
            while (m.find()) {
                if (m.group(1).contains("jobfleet_")) found.add(m.group(1));
            }
            mentions.put(ObsTools.root().relativize(file).toString(), found);
        }
        return mentions;
    }

    static List<Path> markdown(String dir) {
        try (Stream<Path> files = Files.list(ObsTools.file(dir))) {
            return files.filter(f -> f.toString().endsWith(".md")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
