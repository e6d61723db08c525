package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The contract between the Lua files and the Java that calls them, checked on the files as they
 * are (BullMQ gets the same from its script loader): every script opens with a header naming its
 * purpose, each {@code KEYS[i]}, its {@code ARGV} and what it returns; it reads exactly as many
 * keys as {@link Script} declares and every Java call passes; the only keys it builds itself are
 * {@link Keys#SCRIPT_SUFFIXES}; it fits in 80 lines; and its copies of the shared helpers
 * ({@code emit}, {@code cut}) are byte-identical, since scripts have no includes.
 */
class ScriptFilesTest {
    static final Path LUA = Path.of("src/main/resources/jobfleet/lua");
    static final Path JAVA = Path.of("src/main/java/io/jobfleet/common/internal/redis");
    private static final Pattern HEADER =
            Pattern.compile("\\A(?:redis\\.replicate_commands\\(\\)[^\n]*\n)?--\\[\\[ (\\w+): (.+?)]]", Pattern.DOTALL);
    private static final Pattern KEY_USE = Pattern.compile("KEYS\\[(\\d+)]");
    private static final Pattern COLON_LITERAL = Pattern.compile("['\"]([A-Za-z_{}~]*:)['\"]");
    private static final Pattern BUILT = Pattern.compile("(?:KEYS\\[\\d+]|prefix)\\s*\\.\\.\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern HELPER = Pattern.compile("(?m)^local function (\\w+)\\(.*?\n^end\n", Pattern.DOTALL);
    private static final Pattern KEY_TTL = Pattern.compile("'PEXPIRE', ([^,]+), (\\d+)\\)");
    private static final Pattern MAXLEN = Pattern.compile("'MAXLEN', '~', (\\d+)");
    private static final Pattern CALL = Pattern.compile("Script\\.([A-Z]+)\\s*,\\s*List\\.of\\(");

    @Test
    void everyFileIsAScriptAndEveryScriptAFile() throws IOException {
        List<String> files = lua().keySet().stream().toList();
        List<String> scripts =
                Stream.of(Script.values()).map(ScriptFilesTest::file).sorted().toList();
        assertThat(files).isEqualTo(scripts);
    }

    @Test
    void everyScriptOpensWithItsContract() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Script script : Script.values()) problems.addAll(headerProblems(file(script), script.body, script.keys));
        assertThat(problems).as("script headers").isEmpty();
    }

    @Test
    void everyScriptReadsTheKeysJavaDeclares() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Script script : Script.values()) {
            int highest = highestKey(code(script.body));
            if (highest != script.keys)
                problems.add(file(script) + " reads up to KEYS[" + highest + "], Script declares " + script.keys);
        }
        assertThat(problems).as("KEYS counts").isEmpty();
    }

    @Test
    void everyJavaCallPassesTheDeclaredKeys() throws IOException {
        List<String> problems = new ArrayList<>();
        java.util.Set<Script> called = java.util.EnumSet.noneOf(Script.class);
        try (Stream<Path> files = Files.list(JAVA)) {
            for (Path path : files.sorted().toList()) {
                String source = Files.readString(path);
                Matcher m = CALL.matcher(source);
                while (m.find()) {
                    Script script = Script.valueOf(m.group(1));
                    called.add(script);
                    int passed = topLevelArguments(source, m.end());
                    if (passed != script.keys)
                        problems.add(path.getFileName() + " passes " + passed + " keys to " + file(script)
                                + ", which takes " + script.keys);
                }
            }
        }
        assertThat(problems).as("keys passed").isEmpty();
        assertThat(called).as("scripts called as Script.X, List.of(keys...)").containsExactly(Script.values());
    }

    @Test
    void scriptsBuildOnlyTheKeySuffixesKeysNames() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> lua : lua().entrySet()) {
            problems.addAll(suffixProblems(lua.getKey(), lua.getValue()));
        }
        assertThat(problems).as("key suffixes built in Lua").isEmpty();
    }

    @Test
    void keyLifetimesAreTheOnesKeysNames() throws IOException {
        List<String> problems = new ArrayList<>();
        int seen = 0;
        for (Map.Entry<String, String> lua : lua().entrySet()) {
            Matcher ttl = KEY_TTL.matcher(lua.getValue());
            for (; ttl.find(); seen++) {
                Long want = ttl.group(1).equals("minute")
                        ? Long.valueOf(Keys.MINUTE_TTL_MS)
                        : ttl.group(1).contains("'events:'") ? Long.valueOf(Keys.EVENTS_TTL_MS) : null;
                if (want == null || Long.parseLong(ttl.group(2)) != want)
                    problems.add(lua.getKey() + ": " + ttl.group() + ", Keys names " + want);
            }
            Matcher maxlen = MAXLEN.matcher(lua.getValue());
            while (maxlen.find()) {
                if (Integer.parseInt(maxlen.group(1)) != Keys.EVENTS_MAXLEN)
                    problems.add(lua.getKey() + ": " + maxlen.group());
            }
        }
        assertThat(problems).as("lifetimes and lengths in Lua").isEmpty();
        assertThat(seen).as("PEXPIRE of minute and events keys found").isGreaterThanOrEqualTo(12);
    }

    /**
     * The two scripts that carry flow control (docs/flow-control.md): a claim checks limits, parks
     * and unparks, takes groups' and priorities' jobs and expires jobs in one atomic step, and an
     * enqueue routes and holds unique keys in one; split, they would lose their atomicity. Ack and
     * fail carry the shared helpers that give back concurrency slots and unique keys.
     */
    private static final Map<String, Integer> LINE_LIMITS =
            Map.of("claim.lua", 250, "enqueue.lua", 160, "ack.lua", 95, "fail.lua", 90);
    /** Literals with a colon that are not key suffixes: limit scope names, and the id:token of a start. */
    private static final java.util.Set<String> NOT_KEYS = java.util.Set.of("type:", "key:", ":");

    @Test
    void everyFileFitsIn80Lines() throws IOException {
        Map<String, Long> tooLong = new TreeMap<>();
        for (Map.Entry<String, String> lua : lua().entrySet()) {
            long lines = lua.getValue().lines().count();
            if (lines > LINE_LIMITS.getOrDefault(lua.getKey(), 80)) tooLong.put(lua.getKey(), lines);
        }
        assertThat(tooLong).as("files over 80 lines").isEmpty();
    }

    @Test
    void sharedHelpersAreByteIdenticalCopies() throws IOException {
        Map<String, String> first = new TreeMap<>();
        Map<String, String> firstIn = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> lua : lua().entrySet()) {
            Matcher m = HELPER.matcher(lua.getValue());
            while (m.find()) {
                String name = m.group(1);
                String seen = first.putIfAbsent(name, m.group());
                firstIn.putIfAbsent(name, lua.getKey());
                if (seen != null && !seen.equals(m.group()))
                    problems.add(lua.getKey() + "'s " + name + " differs from " + firstIn.get(name) + "'s");
            }
        }
        assertThat(problems).as("helper copies").isEmpty();
        assertThat(first).as("helpers found").containsKey("emit");
    }

    static List<String> headerProblems(String file, String body, int keys) {
        Matcher m = HEADER.matcher(body);
        String name = file.replace(".lua", "");
        if (!m.find() || !m.group(1).equals(name))
            return List.of(file + ": no header '--[[ " + name + ": <purpose> ...]]' on its first lines");
        String header = m.group(2);
        List<String> problems = new ArrayList<>();
        for (int i = 1; i <= keys; i++) {
            if (!header.contains("KEYS[" + i + "]")) problems.add(file + ": header does not describe KEYS[" + i + "]");
        }
        if (highestKey(header) > keys) problems.add(file + ": header describes more than " + keys + " KEYS");
        if (!header.contains("ARGV[1]")) problems.add(file + ": header does not describe ARGV");
        if (!header.contains("Returns")) problems.add(file + ": header does not say what it Returns");
        return problems;
    }

    static List<String> suffixProblems(String file, String body) {
        String code = code(body);
        java.util.Set<String> problems = new java.util.LinkedHashSet<>();
        for (Pattern p : List.of(COLON_LITERAL, BUILT)) {
            Matcher m = p.matcher(code);
            while (m.find()) {
                if (!Keys.SCRIPT_SUFFIXES.contains(m.group(1)) && !NOT_KEYS.contains(m.group(1)))
                    problems.add(file + " builds key suffix '" + m.group(1) + "', not one of Keys.SCRIPT_SUFFIXES");
            }
        }
        if (code.contains(Keys.ROOT)) problems.add(file + " names the key root " + Keys.ROOT + " itself");
        return List.copyOf(problems);
    }

    static int highestKey(String text) {
        int highest = 0;
        Matcher m = KEY_USE.matcher(text);
        while (m.find()) highest = Math.max(highest, Integer.parseInt(m.group(1)));
        return highest;
    }

    /** The script without its comments (the header, {@code --[[ ]]} blocks and {@code --} line ends). */
    static String code(String body) {
        return body.replaceAll("(?s)--\\[\\[.*?]]", "").replaceAll("--[^\n]*", "");
    }

    /** How many arguments the call whose list opens just before {@code from} has (top-level commas + 1). */
    static int topLevelArguments(String source, int from) {
        int depth = 0;
        int count = 1;
        for (int i = from; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '(') depth++;
            else if (c == ')' && depth-- == 0) return source.substring(from, i).isBlank() ? 0 : count;
            else if (c == ',' && depth == 0) count++;
        }
        throw new IllegalStateException("unclosed List.of( at " + from);
    }

    private static String file(Script script) {
        return script.name().toLowerCase(Locale.ROOT) + ".lua";
    }

    private static Map<String, String> lua() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(LUA)) {
            for (Path path : files.filter(p -> p.toString().endsWith(".lua")).toList()) {
                out.put(path.getFileName().toString(), Files.readString(path));
            }
        }
        return out;
    }
}
