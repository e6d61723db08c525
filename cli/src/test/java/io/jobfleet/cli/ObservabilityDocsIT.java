package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * Runbooks and docs/autoscaling.md say only true things: every {@code jobfleet} command in them
 * parses, every {@code redis-cli} line runs against a real Redis, every key they name is one
 * jobfleet writes, and the KEDA list is the pending list whose LLEN is {@code queues depth}.
 */
class ObservabilityDocsIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    private static final Pattern INLINE_CODE = Pattern.compile("`([^`\n]+)`");
    private static final Pattern JOBFLEET = Pattern.compile("(?:^|\\s)(jobfleet\\s[^`|>#;&]*)");
    private static final Pattern KEY = Pattern.compile("jobfleet:(?:\\{[^}\\s]*}|[a-z])[^\\s\"'`]*");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+\\.md)\\)");

    @Test
    void everyRunbookHasItsSectionsIsIndexedAndLinksResolve() {
        String index = ObsTools.read("runbooks/README.md");
        List<Path> runbooks = ObsSources.markdown("runbooks");
        assertThat(runbooks).hasSizeGreaterThanOrEqualTo(16);
        for (Path file : runbooks) {
            String text = ObsSources.readString(file);
            String name = file.getFileName().toString();
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                assertThat(file.resolveSibling(link.group(1)).normalize())
                        .as("link in %s", name)
                        .exists();
            }
            if (name.equals("README.md")) continue;
            assertThat(index).as("runbooks/README.md links %s", name).contains("](" + name + ")");
            assertThat(text)
                    .as(name)
                    .startsWith("# ")
                    .contains("\n## Symptoms\n", "\n## Diagnose\n", "\n## Fix", "\n## Confirm recovery\n");
        }
    }

    @Test
    void everyJobfleetCommandInTheRunbooksAndDocsParses() {
        Map<String, List<String>> commands = new LinkedHashMap<>();
        for (Path file : docs()) {
            for (Code code : code(ObsSources.readString(file))) {
                Matcher m = JOBFLEET.matcher(code.text());
                while (m.find()) {
                    commands.computeIfAbsent(m.group(1).strip(), c -> new ArrayList<>())
                            .add(file.getFileName() + (code.inline() ? " (inline)" : ""));
                }
            }
        }
        List<String> refused = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        commands.forEach((command, where) -> {
            List<String> args = words(command);
            args.removeFirst();
            try {
                CommandLine.ParseResult parsed = cli().parseArgs(args.toArray(String[]::new));
                StringBuilder path = new StringBuilder();
                for (CommandLine.ParseResult p = parsed; p.hasSubcommand(); p = p.subcommand())
                    path.append(p.subcommand().commandSpec().name()).append(' ');
                used.add(path.toString().strip());
            } catch (CommandLine.MissingParameterException e) {
                // `jobfleet job show` in prose names a command; a command line must be complete
                if (!where.stream().allMatch(w -> w.endsWith("(inline)")))
                    refused.add(command + "  (" + where + "): " + e.getMessage());
            } catch (CommandLine.ParameterException e) {
                refused.add(command + "  (" + where + "): " + e.getMessage());
            }
        });
        assertThat(refused)
                .as("jobfleet commands in runbooks/ and docs/ that the CLI refuses")
                .isEmpty();
        assertThat(used)
                .as("the runbooks use the operator commands")
                .contains(
                        "queues list",
                        "queues stats",
                        "queues depth",
                        "queues pause",
                        "queues resume",
                        "dlq list",
                        "dlq show",
                        "dlq requeue",
                        "dlq purge",
                        "dlq export",
                        "workers list",
                        "audit",
                        "job show",
                        "job cancel");
    }

    @Test
    void everyRedisCliLineRunsAndEveryKeyIsOneJobfleetWrites() throws Exception {
        String queue = "ingest";
        String id = Cli.run(Map.of(), "enqueue", queue, "echo", "--redis-url", REDIS.url())
                .stdout()
                .strip();
        assertThat(id).matches("[0-9a-z]{20}");
        Cli.run(Map.of(), "enqueue", queue, "echo", "--delay", "1h", "--redis-url", REDIS.url());
        Map<String, String> env = Map.of("JOBFLEET_REDIS_URL", REDIS.url(), "Q", queue, "ID", id);
        List<String> failures = new ArrayList<>();
        int ran = 0;
        Set<String> keys = new TreeSet<>();
        for (Path file : docs()) {
            for (Code code : code(ObsSources.readString(file))) {
                Matcher key = KEY.matcher(code.text());
                while (key.find()) keys.add(key.group());
                if (code.inline()
                        || !code.text().startsWith("redis-cli ")
                        || code.text().contains("SENTINEL_HOST")) continue;
                ObsTools.Result result =
                        ObsTools.run(Duration.ofSeconds(30), env, null, List.of("bash", "-c", code.text()));
                ran++;
                if (result.exitCode() != 0
                        || result.output().contains("ERR")
                        || result.output().contains("WRONGTYPE"))
                    failures.add(file.getFileName() + ": " + code.text() + "\n  -> " + result.output());
            }
        }
        assertThat(failures).as("redis-cli lines that fail on a real Redis").isEmpty();
        assertThat(ran).isGreaterThan(20);

        Keys k = Keys.of("qqq");
        List<String> templates = List.of(
                k.pending(),
                k.active(),
                k.scheduled(),
                k.dead(),
                k.paused(),
                k.stats(),
                k.watched(),
                k.job("iii"),
                k.steps("iii"),
                k.events("iii"),
                k.idempotency("iii"),
                k.limits(),
                k.throttled(),
                k.throttledBy(),
                Keys.queues(),
                Keys.workers(),
                Keys.worker("iii"),
                Keys.audit(),
                Keys.partitions());
        List<String> unknown = new ArrayList<>();
        for (String mention : keys) {
            String normal = mention.replaceAll("\\{(\\$Q|QUEUE|[a-z0-9_-]+)(~\\d+)?}", "{qqq}")
                    .replaceAll("(\\$ID|\\$\\{ID}|<id>)$", "iii");
            boolean known = templates.stream()
                    .anyMatch(t ->
                            normal.equals(t) || normal.matches(Pattern.quote(t).replace("iii", "\\E[^:]+\\Q")));
            if (!known) unknown.add(mention);
        }
        assertThat(unknown)
                .as("keys in runbooks/docs that jobfleet does not write (Keys)")
                .isEmpty();
    }

    @Test
    void theKedaListIsThePendingListAndItsLlenIsTheQueueDepth() throws Exception {
        String doc = ObsTools.read("docs/autoscaling.md");
        Matcher listName = Pattern.compile("listName: \"([^\"]+)\"").matcher(doc);
        assertThat(listName.find())
                .as("a quoted listName in docs/autoscaling.md")
                .isTrue();
        assertThat(listName.group(1)).isEqualTo(Keys.of("default").pending());
        assertThat(doc).contains("`" + Keys.of("ingest").pending() + "`");

        String queue = "scale";
        for (String[] extra : List.of(
                new String[0], new String[0], new String[] {"--priority", "high"}, new String[] {"--delay", "1h"})) {
            List<String> args = new ArrayList<>(List.of("enqueue", queue, "noop", "--redis-url", REDIS.url()));
            args.addAll(List.of(extra));
            assertThat(Cli.run(Map.of(), args.toArray(String[]::new)).exitCode())
                    .isZero();
        }
        String key = listName.group(1).replace("{default}", "{" + queue + "}");
        String llen = ObsTools.ok("redis-cli", "-u", REDIS.url(), "LLEN", key).strip();
        Cli.Result depth = Cli.run(Map.of(), "queues", "depth", queue, "--redis-url", REDIS.url());
        assertThat(depth.exitCode()).as(depth.stderr()).isZero();
        assertThat(llen).as("LLEN %s", key).isEqualTo("3");
        assertThat(depth.stdout().strip())
                .as("jobfleet queues depth = LLEN of the KEDA list")
                .isEqualTo(llen);
    }

    @Test
    void theShutdownGraceFitsInsideTheTerminationGracePeriod() {
        String doc = ObsTools.read("docs/autoscaling.md");
        Matcher termination =
                Pattern.compile("terminationGracePeriodSeconds: (\\d+)\n").matcher(doc);
        Matcher grace = Pattern.compile("name: JOBFLEET_SHUTDOWN_GRACE\\s+value: \"(\\d+)s\"")
                .matcher(doc);
        assertThat(termination.find()).isTrue();
        assertThat(grace.find()).isTrue();
        String workerDefault = cli().getSubcommands()
                .get("worker")
                .getCommandSpec()
                .findOption("--shutdown-grace")
                .defaultValueString();
        assertThat(workerDefault).isEqualTo(grace.group(1) + "s");
        assertThat(Integer.parseInt(grace.group(1)))
                .as("--shutdown-grace leaves time to hand jobs back before SIGKILL")
                .isLessThanOrEqualTo(Integer.parseInt(termination.group(1)) - 5);
        assertThat(doc).contains("`--shutdown-grace` (default " + workerDefault.replace("s", " s") + ")");
    }

    private static CommandLine cli() {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new Defaults(name -> null));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    private static List<Path> docs() {
        List<Path> files = new ArrayList<>(ObsSources.markdown("runbooks"));
        files.add(ObsTools.file("docs/autoscaling.md"));
        files.add(ObsTools.file("docs/metrics.md"));
        return files;
    }

    record Code(String text, boolean inline) {}

    /** Code in markdown: lines of ``` blocks and of indented blocks (stripped), and inline code spans. */
    static List<Code> code(String markdown) {
        List<Code> code = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.lines().toList()) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
            } else if (fenced || (line.startsWith("    ") && !line.strip().startsWith("- "))) {
                if (!line.isBlank()) code.add(new Code(line.strip(), false));
            } else {
                Matcher m = INLINE_CODE.matcher(line);
                while (m.find()) code.add(new Code(m.group(1).strip(), true));
            }
        }
        return code;
    }

    /** Shell words: whitespace-separated, single and double quotes kept together (quotes removed). */
    static List<String> words(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else word.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(word.toString());
        return words;
    }
}
