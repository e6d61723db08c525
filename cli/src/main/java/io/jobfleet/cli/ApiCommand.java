package io.jobfleet.cli;

import io.jobfleet.api.ApiConfig;
import io.jobfleet.api.ApiServer;
import io.jobfleet.api.Tokens;
import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.internal.job.Redaction;
import io.jobfleet.common.internal.redis.Redis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "api",
        mixinStandardHelpOptions = true,
        description = {
            "Run the HTTP submission API until SIGTERM. Bearer tokens come from --tokens-file or JOBFLEET_API_TOKENS:",
            "entries 'NAME ROLE[,ROLE] sha256:HEX' (roles submit, read, admin), one a line or separated by ';'.",
            "Hash a token with: printf %%s \"$TOKEN\" | sha256sum"
        },
        footer = {
            "",
            "Examples:",
            "  JOBFLEET_API_TOKENS='ingest submit sha256:9f86...; ops admin sha256:60303...' jobfleet api --port 8080",
            "  jobfleet api --tokens-file /etc/jobfleet/tokens --max-pending default=500000"
        })
final class ApiCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Option(names = "--host", description = "Address to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", description = "Port (default ${DEFAULT-VALUE})")
    int port;

    @Option(
            names = "--tokens-file",
            paramLabel = "FILE",
            description = "File of API tokens (env JOBFLEET_API_TOKENS_FILE)")
    Path tokensFile;

    @Option(names = "--max-body", paramLabel = "BYTES", description = "Largest request body (default ${DEFAULT-VALUE})")
    long maxBody;

    @Option(
            names = "--max-batch",
            paramLabel = "N",
            description = "Most jobs in one batch request (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(
            names = "--max-pending",
            paramLabel = "[QUEUE=]N",
            split = ",",
            description =
                    "Pending depth past which enqueue answers 429; N for every queue, QUEUE=N for one (default ${DEFAULT-VALUE})")
    String[] maxPending;

    @Override
    public Integer call() throws InterruptedException, IOException {
        ApiConfig config = config();
        try (Redis connection = RedisOptions.connectWaiting(
                redis.settings("jobfleet-api").withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2)))) {
            ApiServer server = new ApiServer(connection, config).start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                server.close();
                                stopped.countDown();
                            },
                            "jobfleet-shutdown"));
            System.out.println("jobfleet API on http://" + host + ":" + server.port() + " ("
                    + config.tokens().size() + " tokens)");
            stopped.await();
        }
        return ExitCodes.OK;
    }

    ApiConfig config() throws IOException {
        StringBuilder entries = new StringBuilder();
        if (tokensFile != null) entries.append(Files.readString(tokensFile)).append('\n');
        String env = System.getenv("JOBFLEET_API_TOKENS");
        if (env != null) entries.append(env);
        Tokens tokens =
                Tokens.parse(entries.toString(), tokensFile != null ? tokensFile.toString() : "JOBFLEET_API_TOKENS");
        long defaultPending = ApiConfig.DEFAULT_MAX_PENDING;
        Map<String, Long> byQueue = new HashMap<>();
        for (String item : maxPending) {
            try {
                int eq = item.indexOf('=');
                if (eq < 0) defaultPending = Long.parseLong(item.trim());
                else
                    byQueue.put(
                            item.substring(0, eq).trim(),
                            Long.parseLong(item.substring(eq + 1).trim()));
            } catch (NumberFormatException e) {
                throw new ConfigException("--max-pending '" + item + "' must be N or QUEUE=N");
            }
        }
        return ApiConfig.defaults(tokens)
                .withAddress(host, port)
                .withLimits(maxBody, maxBatch, defaultPending, byQueue)
                .withRedaction(Redaction.parse(System.getenv("JOBFLEET_REDACT_FIELDS")));
    }
}
