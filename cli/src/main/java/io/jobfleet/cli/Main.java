package io.jobfleet.cli;

import io.jobfleet.common.Version;
import io.jobfleet.common.error.JobfleetException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jobfleet} command. Exit codes ({@link ExitCodes}): 0 ok, 1 failure (Redis unreachable,
 * job not found, a refused operation), 2 usage (a bad flag or argument). Failures print one line,
 * no stack trace.
 */
@Command(
        name = "jobfleet",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "A durable job-processing fleet on Redis.",
        subcommands = {
            DevCommand.class,
            ApiCommand.class,
            WorkerCommand.class,
            EnqueueCommand.class,
            JobCommand.class,
            QueuesCommand.class,
            DlqCommand.class,
            LimitsCommand.class,
            WorkersCommand.class,
            AuditCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Examples:",
            "  jobfleet dev                  # Redis, API, worker and demo jobs in one process",
            "  jobfleet worker --queues critical:6,default:2 --redis-url redis://localhost:6379",
            "  jobfleet dlq list ingest --summary",
            "",
            "Redis: --redis-url or JOBFLEET_REDIS_URL (redis://[user:password@]host:port[/db], rediss:// for TLS).",
            "Exit codes: 0 ok, 1 failure, 2 usage."
        })
public final class Main {
    public static void main(String[] args) {
        configureLogging(args);
        System.exit(run(args));
    }

    /**
     * Before anything logs: JSON lines for the servers (api, worker) unless JOBFLEET_LOG_FORMAT=text,
     * human-readable lines for everything else (dev included) unless JOBFLEET_LOG_FORMAT=json.
     */
    static void configureLogging(String[] args) {
        String command = args.length > 0 ? args[0] : "";
        String format = System.getenv()
                .getOrDefault(
                        "JOBFLEET_LOG_FORMAT", command.equals("api") || command.equals("worker") ? "json" : "text");
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", format.equals("json") ? "logback-json.xml" : "logback.xml");
        }
        System.setProperty("jobfleet.service", "jobfleet-" + (command.isEmpty() ? "cli" : command));
        System.setProperty("jobfleet.version", Version.get());
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new Defaults());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpWidth(120);
        cli.setExitCodeExceptionMapper(
                e -> e instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.FAILURE);
        cli.setParameterExceptionHandler((e, arguments) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("jobfleet: " + e.getMessage());
            err.println("Try '" + usageOf(cli, e).getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof JobfleetException || e instanceof IllegalArgumentException) {
                err.println("jobfleet: " + e.getMessage());
            } else {
                err.println("jobfleet: unexpected error: " + e);
            }
            return ExitCodes.FAILURE;
        });
        return cli.execute(args);
    }

    /**
     * The command whose --help to point to. A check made while a command runs throws with a
     * detached CommandLine (no parent), whose name alone ("dlq") is no command: use the
     * subcommand that was parsed instead ("jobfleet dlq requeue").
     */
    private static CommandLine usageOf(CommandLine cli, CommandLine.ParameterException e) {
        if (e.getCommandLine().getParent() != null || cli.getParseResult() == null) return e.getCommandLine();
        CommandLine.ParseResult parsed = cli.getParseResult();
        while (parsed.hasSubcommand()) parsed = parsed.subcommand();
        return parsed.commandSpec().commandLine();
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jobfleet " + Version.get()};
        }
    }
}
