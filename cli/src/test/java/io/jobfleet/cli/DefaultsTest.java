package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Each default is written once (the config records): the CLI's flags and docs/configuration.md agree with them. */
class DefaultsTest {
    @Test
    void theConfigurationPageStatesEveryDefaultAsTheRecordsDo() throws IOException {
        Map<String, String[]> documented = documentedFlags();
        for (Defaults.Setting s : Defaults.SETTINGS) {
            String[] row = documented.get(s.flag() + " " + s.env());
            assertThat(row)
                    .as("a row for %s (%s) in docs/configuration.md", s.flag(), s.env())
                    .isNotNull();
            String shown = row[2];
            if (s.value() == null) assertThat(shown).as(s.flag()).startsWith("none");
            else assertThat(shown).as(s.flag()).isEqualTo(s.value());
        }
        assertThat(documented).as("rows with a flag and a variable").hasSameSizeAs(Defaults.SETTINGS);
    }

    @Test
    void theHelpShowsTheRecordsDefaultsAndTheEnvironmentWins() {
        CommandLine plain = cli(Map.of());
        CommandLine withEnv = cli(Map.of("JOBFLEET_LEASE", "3s", "JOBFLEET_REDIS_POOL_SIZE", "40"));
        for (Defaults.Setting s : Defaults.SETTINGS) {
            OptionSpec option = optionOf(plain, s);
            assertThat(option)
                    .as("%s declared in %s", s.flag(), s.declaredIn().getSimpleName())
                    .isNotNull();
            assertThat(option.defaultValueString()).as(s.flag()).isEqualTo(String.valueOf(s.value()));
        }
        assertThat(optionOf(
                                withEnv,
                                Defaults.SETTINGS.stream()
                                        .filter(s -> s.flag().equals("--lease"))
                                        .findFirst()
                                        .orElseThrow())
                        .defaultValueString())
                .isEqualTo("3s");
        String help = plain.getSubcommands().get("worker").getUsageMessage();
        assertThat(help).contains("default 10s").contains("default 25s").contains("default 15m");
    }

    @Test
    void durationsAreWrittenInTheirLargestWholeUnit() {
        assertThat(Defaults.duration(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Defaults.duration(Duration.ofHours(24))).isEqualTo("1d");
        assertThat(Defaults.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(new DurationConverter().convert(Defaults.duration(Duration.ofSeconds(25))))
                .isEqualTo(Duration.ofSeconds(25));
    }

    private static CommandLine cli(Map<String, String> env) {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new Defaults(env::get));
        return cli;
    }

    /** The option in whichever command declares the setting's class (worker, api, or any command for Redis). */
    private static OptionSpec optionOf(CommandLine cli, Defaults.Setting s) {
        String command = s.declaredIn() == ApiCommand.class ? "api" : "worker";
        return cli.getSubcommands().get(command).getCommandSpec().findOption(s.flag());
    }

    /** "flag env" -> the table row's cells, for rows whose first cells are a flag and a variable (lists split). */
    private static Map<String, String[]> documentedFlags() throws IOException {
        Map<String, String[]> rows = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("..", "docs", "configuration.md"))) {
            if (!line.startsWith("| `--")) continue;
            String[] cells = line.split("\\|");
            List<String> flags = names(cells[1]);
            List<String> envs = names(cells[2]);
            List<String> values = List.of(cells[3].replace("`", "").trim().split(", "));
            for (int i = 0; i < flags.size() && i < envs.size(); i++) {
                String value = values.size() == flags.size() ? values.get(i) : String.join(", ", values);
                rows.put(flags.get(i) + " " + envs.get(i), new String[] {flags.get(i), envs.get(i), value});
            }
        }
        return rows;
    }

    private static List<String> names(String cell) {
        List<String> names = new ArrayList<>();
        for (String part : cell.split(",")) {
            String name = part.trim().replace("`", "");
            if (!name.isEmpty()) names.add(name);
        }
        return names;
    }
}
