package io.jobfleet.cli;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, found by a small lexer: label matchers, ranges,
 * strings, numbers, durations, Grafana variables, function calls, keywords and the label lists of
 * by / without / on / ignoring / group_left / group_right are skipped; every other identifier is a
 * metric name. Grafana's {@code label_values(metric, label)} yields its metric.
 */
final class ObsPromQL {
    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "offset",
            "bool",
            "inf",
            "nan",
            "atan2",
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile",
            "limitk",
            "limit_ratio");
    private static final Pattern LABEL_VALUES = Pattern.compile("\\s*label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*).*");

    private ObsPromQL() {}

    static Set<String> metricNames(String expr) {
        Matcher grafana = LABEL_VALUES.matcher(expr);
        if (grafana.matches()) return Set.of(grafana.group(1));
        if (expr.contains("__name__")) throw new AssertionError("selecting by __name__ is not checked: " + expr);
        Set<String> names = new TreeSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{') {
                i = skipUntil(expr, i, '}');
            } else if (c == '[') {
                i = skipUntil(expr, i, ']');
            } else if (c == '#') {
                while (i < n && expr.charAt(i) != '\n') i++;
            } else if (c == '$') {
                i++;
                if (i < n && expr.charAt(i) == '{') i = skipUntil(expr, i, '}');
                else while (i < n && isIdentifierPart(expr.charAt(i))) i++;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) i++;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && isIdentifierPart(expr.charAt(i))) i++;
                String word = expr.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(expr.charAt(next))) next++;
                boolean call = next < n && expr.charAt(next) == '(';
                if (GROUPING.contains(word)) {
                    if (call) i = skipUntil(expr, next, ')');
                } else if (!call && !KEYWORDS.contains(word)) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }

    /** Index after the closing quote. */
    private static int skipString(String s, int i) {
        char quote = s.charAt(i++);
        while (i < s.length() && s.charAt(i) != quote) {
            if (s.charAt(i) == '\\' && quote != '`') i++;
            i++;
        }
        return i + 1;
    }

    /** Index after {@code close}, skipping strings on the way (a label value may hold the character). */
    private static int skipUntil(String s, int i, char close) {
        i++;
        while (i < s.length() && s.charAt(i) != close) {
            if (s.charAt(i) == '"' || s.charAt(i) == '\'' || s.charAt(i) == '`') i = skipString(s, i);
            else i++;
        }
        if (i >= s.length()) throw new AssertionError("unclosed '" + close + "' in: " + s);
        return i + 1;
    }
}
