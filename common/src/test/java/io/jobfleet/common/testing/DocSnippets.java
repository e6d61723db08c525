package io.jobfleet.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the code examples of docs/ true. An example lives in a test, which compiles and runs it,
 * between the lines {@code // docs:NAME:start} and {@code // docs:NAME:end}; the doc shows the same
 * lines in the fenced code block that follows its {@code <!-- docs:NAME -->} comment (a note may
 * follow the name). {@link
 * #assertMatches} fails, naming both places, when they differ in anything but indentation.
 */
public final class DocSnippets {
    private DocSnippets() {}

    /**
     * Asserts that the code block marked {@code name} in {@code doc} (a path from the repository
     * root, e.g. {@code docs/handlers.md}) has the lines of the region marked {@code name} in the
     * test source of {@code example} (looked up under {@code src/test/java} of the module being
     * tested).
     */
    public static void assertMatches(String doc, String name, Class<?> example) {
        Path docPath = repositoryRoot().resolve(doc);
        String top = example.getName().replaceFirst("\\$.*", "");
        Path source = Path.of("src", "test", "java", top.replace('.', '/') + ".java");
        assertThat(docBlock(docPath, name))
                .as(
                        "the code block after <!-- docs:%s --> in %s must be the lines between"
                                + " // docs:%s:start and :end in %s (indentation aside)",
                        name, doc, name, source)
                .isEqualTo(region(source, name));
    }

    /** The lines of the fenced block after {@code <!-- docs:NAME -->}, stripped. */
    static List<String> docBlock(Path doc, String name) {
        List<String> lines = read(doc);
        int marker = indexOf(lines, 0, "<!-- docs:" + name + " ", doc); // "-->" or a note follows
        int open = indexOf(lines, marker + 1, "```", doc);
        int close = indexOf(lines, open + 1, "```", doc);
        return stripped(lines.subList(open + 1, close));
    }

    /** The lines strictly between {@code // docs:NAME:start} and {@code // docs:NAME:end}, stripped. */
    static List<String> region(Path source, String name) {
        List<String> lines = read(source);
        int start = indexOf(lines, 0, "// docs:" + name + ":start", source);
        int end = indexOf(lines, start + 1, "// docs:" + name + ":end", source);
        return stripped(lines.subList(start + 1, end));
    }

    /** The repository root: the nearest directory up from the working directory that has docs/ and mvnw. */
    public static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("docs")) && Files.exists(dir.resolve("mvnw"))) return dir;
        }
        throw new IllegalStateException(
                "no repository root (docs/ and mvnw) above " + Path.of("").toAbsolutePath());
    }

    private static int indexOf(List<String> lines, int from, String marker, Path file) {
        for (int i = from; i < lines.size(); i++) if (lines.get(i).strip().startsWith(marker)) return i;
        throw new AssertionError("no line '" + marker + "' in " + file + " (after line " + from + ")");
    }

    private static List<String> stripped(List<String> lines) {
        List<String> out = new ArrayList<>(lines.size());
        for (String line : lines) out.add(line.strip());
        return out;
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }
}
