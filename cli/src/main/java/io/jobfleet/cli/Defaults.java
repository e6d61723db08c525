package io.jobfleet.cli;

import io.jobfleet.api.ApiConfig;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.QueuePolicy;
import io.jobfleet.worker.WorkerConfig;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where the flags of the long-running commands get their defaults: the {@code JOBFLEET_*}
 * variable when it is set, else the config record's {@code DEFAULT_*} constant. Each default is
 * written once, in the record; {@code --help} shows it, and DefaultsTest checks
 * docs/configuration.md against {@link #SETTINGS}.
 */
final class Defaults implements CommandLine.IDefaultValueProvider {
    /** One flag: the class declaring it, its name, its variable, its default (null: none). */
    record Setting(Class<?> declaredIn, String flag, String env, String value) {}

    static final List<Setting> SETTINGS = List.of(
            new Setting(RedisOptions.class, "--redis-url", "JOBFLEET_REDIS_URL", null),
            new Setting(
                    RedisOptions.class,
                    "--redis-pool-size",
                    "JOBFLEET_REDIS_POOL_SIZE",
                    String.valueOf(RedisSettings.DEFAULT_POOL_SIZE)),
            new Setting(WorkerOptions.class, "--queues", "JOBFLEET_QUEUES", WorkerConfig.DEFAULT_QUEUES),
            new Setting(
                    WorkerOptions.class,
                    "--concurrency",
                    "JOBFLEET_CONCURRENCY",
                    String.valueOf(WorkerConfig.DEFAULT_CONCURRENCY)),
            new Setting(WorkerOptions.class, "--lease", "JOBFLEET_LEASE", duration(WorkerConfig.DEFAULT_LEASE)),
            new Setting(
                    WorkerOptions.class,
                    "--shutdown-grace",
                    "JOBFLEET_SHUTDOWN_GRACE",
                    duration(WorkerConfig.DEFAULT_SHUTDOWN_GRACE)),
            new Setting(
                    WorkerOptions.class, "--timeout", "JOBFLEET_JOB_TIMEOUT", duration(QueuePolicy.DEFAULT_TIMEOUT)),
            new Setting(
                    WorkerOptions.class,
                    "--max-attempts",
                    "JOBFLEET_MAX_ATTEMPTS",
                    String.valueOf(RetryPolicy.DEFAULT_MAX_ATTEMPTS)),
            new Setting(
                    WorkerOptions.class,
                    "--backoff-base",
                    "JOBFLEET_BACKOFF_BASE",
                    duration(Duration.ofMillis(RetryPolicy.DEFAULT_BASE_MS))),
            new Setting(
                    WorkerOptions.class,
                    "--backoff-multiplier",
                    "JOBFLEET_BACKOFF_MULTIPLIER",
                    number(RetryPolicy.DEFAULT_MULTIPLIER)),
            new Setting(
                    WorkerOptions.class,
                    "--backoff-cap",
                    "JOBFLEET_BACKOFF_CAP",
                    duration(Duration.ofMillis(RetryPolicy.DEFAULT_CAP_MS))),
            new Setting(
                    WorkerOptions.class,
                    "--poison-limit",
                    "JOBFLEET_POISON_LIMIT",
                    String.valueOf(WorkerConfig.DEFAULT_POISON_LIMIT)),
            new Setting(
                    WorkerOptions.class,
                    "--max-snoozes",
                    "JOBFLEET_MAX_SNOOZES",
                    String.valueOf(WorkerConfig.DEFAULT_MAX_SNOOZES)),
            new Setting(
                    WorkerOptions.class,
                    "--claim-batch",
                    "JOBFLEET_CLAIM_BATCH",
                    String.valueOf(WorkerConfig.DEFAULT_CLAIM_BATCH)),
            new Setting(
                    WorkerOptions.class,
                    "--keep-finished",
                    "JOBFLEET_KEEP_FINISHED",
                    duration(Retention.DEFAULT_FINISHED)),
            new Setting(
                    WorkerOptions.class,
                    "--metrics-port",
                    "JOBFLEET_METRICS_PORT",
                    String.valueOf(MetricsServer.DEFAULT_PORT)),
            new Setting(ApiCommand.class, "--host", "JOBFLEET_API_HOST", ApiConfig.DEFAULT_HOST),
            new Setting(ApiCommand.class, "--port", "JOBFLEET_API_PORT", String.valueOf(ApiConfig.DEFAULT_PORT)),
            new Setting(ApiCommand.class, "--tokens-file", "JOBFLEET_API_TOKENS_FILE", null),
            new Setting(
                    ApiCommand.class,
                    "--max-body",
                    "JOBFLEET_API_MAX_BODY",
                    String.valueOf(ApiConfig.DEFAULT_MAX_BODY_BYTES)),
            new Setting(
                    ApiCommand.class,
                    "--max-batch",
                    "JOBFLEET_API_MAX_BATCH",
                    String.valueOf(ApiConfig.DEFAULT_MAX_BATCH)),
            new Setting(
                    ApiCommand.class,
                    "--max-pending",
                    "JOBFLEET_API_MAX_PENDING",
                    String.valueOf(ApiConfig.DEFAULT_MAX_PENDING)));

    private final UnaryOperator<String> env;

    Defaults() {
        this(System::getenv);
    }

    Defaults(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !(option.userObject() instanceof Field field)) return null;
        for (Setting s : SETTINGS) {
            if (s.declaredIn() == field.getDeclaringClass() && s.flag().equals(option.longestName())) {
                String set = env.apply(s.env());
                return set != null && !set.isEmpty() ? set : s.value();
            }
        }
        return null;
    }

    /** As people write it and {@link DurationConverter} reads it: the largest whole unit (90s, 15m, 1h). */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 86_400_000 == 0) return ms / 86_400_000 + "d";
        if (ms != 0 && ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms != 0 && ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1_000 == 0) return ms / 1_000 + "s";
        return ms + "ms";
    }

    private static String number(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
}
