package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two house rules over every module's main sources (walked from the repository root, one level
 * above this module): Jedis ({@code redis.clients}) is named only inside the Redis layer
 * ({@code io.jobfleet.common.internal.redis}), and a string that looks like a jobfleet key is
 * written only in {@link Keys} (the Lua side is held to {@link Keys#SCRIPT_SUFFIXES} by
 * {@link ScriptFilesTest}). A failure names each file:line.
 */
class SourceRulesTest {
    static final Path ROOT = Path.of("..");
    private static final String REDIS_LAYER = "io/jobfleet/common/internal/redis/";
    private static final Pattern JEDIS = Pattern.compile("\\bredis\\.clients\\.");
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Test
    void jedisIsNamedOnlyInTheRedisLayer() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path file : mainSources()) {
            if (unix(file).contains(REDIS_LAYER)) continue;
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (JEDIS.matcher(lines.get(i)).find())
                    found.add(where(file, i) + ": " + lines.get(i).strip());
            }
        }
        assertThat(found).as("Jedis named outside " + REDIS_LAYER).isEmpty();
    }

    @Test
    void keyShapesAreWrittenOnlyInKeys() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        for (Path file : mainSources()) {
            files++;
            if (unix(file).endsWith(REDIS_LAYER + "Keys.java")) continue;
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = LITERAL.matcher(lines.get(i));
                while (m.find()) {
                    if (looksLikeKey(m.group(1))) found.add(where(file, i) + ": \"" + m.group(1) + "\"");
                }
            }
        }
        assertThat(files)
                .as("main sources found under " + ROOT.toAbsolutePath())
                .isGreaterThan(100);
        assertThat(found).as("key shapes outside Keys.java").isEmpty();
    }

    @Test
    void theKeyShapeRuleCatchesWhatItShould() {
        assertThat(List.of("jobfleet:{bench}:baseline", "jobfleet:audit", "}:*", "job:", "x:idem:", "minute:"))
                .allMatch(SourceRulesTest::looksLikeKey);
        assertThat(List.of("jobfleet: ", "Every live worker: id", "stats", "pending", "a: b", "http://x"))
                .noneMatch(SourceRulesTest::looksLikeKey);
    }

    /**
     * A literal with no white space that starts with the key root, closes a hash tag ({@code }:}),
     * or holds one of the suffixes scripts or {@link Keys} put after a queue prefix.
     */
    static boolean looksLikeKey(String literal) {
        if (literal.isEmpty() || literal.chars().anyMatch(Character::isWhitespace)) return false;
        if (literal.startsWith(Keys.ROOT) || literal.contains("}:")) return true;
        for (String suffix : Keys.SCRIPT_SUFFIXES) {
            if (suffix.endsWith(":") && literal.contains(suffix)) return true;
        }
        return literal.contains("worker:");
    }

    private static List<Path> mainSources() throws IOException {
        try (Stream<Path> all = Files.walk(ROOT)) {
            return all.filter(p ->
                            unix(p).contains("/src/main/java/") && p.toString().endsWith(".java"))
                    .filter(p -> !unix(p).contains("/target/") && !unix(p).contains("/.git/"))
                    .sorted()
                    .toList();
        }
    }

    private static String where(Path file, int index) {
        return ROOT.relativize(file) + ":" + (index + 1);
    }

    private static String unix(Path p) {
        return p.toString().replace('\\', '/');
    }
}
