package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --help on every command and subcommand: exit 0, usage on stdout, the examples where the command has them. */
class HelpIT {
    /** Every command, and whether its help carries an Examples section. */
    static final List<Object[]> COMMANDS = List.of(
            new Object[] {"", false},
            new Object[] {"dev", true},
            new Object[] {"api", true},
            new Object[] {"worker", true},
            new Object[] {"enqueue", true},
            new Object[] {"job", true},
            new Object[] {"job show", true},
            new Object[] {"job cancel", true},
            new Object[] {"queues", true},
            new Object[] {"queues list", true},
            new Object[] {"queues stats", true},
            new Object[] {"queues depth", true},
            new Object[] {"queues pause", true},
            new Object[] {"queues resume", true},
            new Object[] {"dlq", true},
            new Object[] {"dlq list", true},
            new Object[] {"dlq show", true},
            new Object[] {"dlq requeue", true},
            new Object[] {"dlq purge", true},
            new Object[] {"dlq export", true},
            new Object[] {"workers", true},
            new Object[] {"workers list", true},
            new Object[] {"audit", true},
            new Object[] {"bench", true});

    @Test
    void everyCommandHasHelp() throws Exception {
        List<String> withoutExamples = new ArrayList<>();
        for (Object[] command : COMMANDS) {
            String name = (String) command[0];
            List<String> args = new ArrayList<>(name.isEmpty() ? List.of() : List.of(name.split(" ")));
            args.add("--help");
            Cli.Result help = Cli.run(args.toArray(String[]::new));
            String title = ("jobfleet " + name).strip();
            assertThat(help.exitCode()).as(title).isZero();
            assertThat(help.stderr()).as(title).isEmpty();
            assertThat(help.stdout()).as(title).startsWith("Usage: " + title).contains("-h, --help");
            if ((Boolean) command[1]) {
                assertThat(help.stdout())
                        .as(title)
                        .containsPattern("\nExamples?:\n")
                        .contains("jobfleet " + name.split(" ")[0] + " ");
            } else if (!help.stdout().contains("Example")) {
                withoutExamples.add(title);
            }
        }
        // the dlq group shows the drain procedure, command by command
        Cli.Result dlq = Cli.run("dlq", "--help");
        assertThat(dlq.stdout())
                .contains("Examples:\n  (the drain procedure of docs/operations.md)")
                .contains("jobfleet dlq list ingest --summary")
                .contains("jobfleet dlq export ingest --output dead.jsonl")
                .contains("--dry-run")
                .contains("--rate 500")
                .contains("jobfleet dlq purge ingest --older-than 7d --yes");
        // the top-level help lists every command group and the exit codes
        Cli.Result top = Cli.run("--help");
        assertThat(top.stdout())
                .contains("dlq", "queues", "workers", "audit", "job", "enqueue")
                .contains("Exit codes: 0 ok, 1 failure, 2 usage.");
        System.out.println("HELP commands without an Examples section: " + withoutExamples);
    }

    @Test
    void helpCommandAndShortFlagAndVersion() throws Exception {
        Cli.Result viaHelp = Cli.run("help", "dlq");
        assertThat(viaHelp.exitCode()).isZero();
        assertThat(viaHelp.stdout()).startsWith("Usage: jobfleet dlq");
        Cli.Result shortFlag = Cli.run("dlq", "requeue", "-h");
        assertThat(shortFlag.exitCode()).isZero();
        assertThat(shortFlag.stdout())
                .startsWith("Usage: jobfleet dlq requeue")
                .contains("--all", "--dry-run", "--rate=N", "--to-queue=QUEUE", "--reset-attempts", "--type=TYPE");
        Cli.Result version = Cli.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.stdout()).matches("jobfleet \\S+\\n");
    }
}
