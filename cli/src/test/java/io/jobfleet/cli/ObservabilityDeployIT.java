package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.api.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the containers without a Docker engine: the compose file parses
 * (docker-compose config) and wires Redis, the API, workers, Prometheus and Grafana to each other
 * and to the files in the repository; the Dockerfile builds with the project's own build command,
 * copies the jar that build really makes, and its entrypoint runs that jar with its JVM flags.
 */
class ObservabilityDeployIT {
    private static final String COMPOSE = "docker/docker-compose.yml";

    @Test
    void theComposeFileParsesAndWiresTheServices() throws IOException {
        String config =
                ObsTools.ok("docker-compose", "-f", ObsTools.file(COMPOSE).toString(), "config");
        Map<String, String> services = services(config);
        assertThat(services).containsOnlyKeys("redis", "api", "worker", "prometheus", "grafana");

        String redis = services.get("redis");
        assertThat(redis).contains("- --appendonly\n  - \"yes\"", "- --maxmemory-policy\n  - noeviction");

        String api = services.get("api");
        assertThat(api).contains("- api\n", "JOBFLEET_REDIS_URL: redis://redis:6379");
        Matcher tokens = Pattern.compile("JOBFLEET_API_TOKENS: (.+)\n").matcher(api);
        assertThat(tokens.find()).isTrue();
        assertThat(Tokens.parse(tokens.group(1), "compose").size()).isEqualTo(1);
        assertThat(tokens.group(1))
                .as("the dev token the compose file's header documents")
                .endsWith(Tokens.hash("dev-token"));

        String worker = services.get("worker");
        assertThat(worker)
                .as("a scalable worker: no fixed name, no published port")
                .contains("- worker\n", "JOBFLEET_REDIS_URL: redis://redis:6379")
                .doesNotContain("container_name", "ports:");
        int grace = seconds(value(worker, "JOBFLEET_SHUTDOWN_GRACE"));
        int stop = seconds(value(worker, "stop_grace_period"));
        assertThat(grace).as("--shutdown-grace below the stop timeout").isLessThan(stop);
        assertThat(value(worker, "JOBFLEET_METRICS_PORT")).isEqualTo("'9400'");

        Set<String> known = variablesTheCodeReads();
        Matcher variable = Pattern.compile("(JOBFLEET_[A-Z_]+):").matcher(config);
        while (variable.find())
            assertThat(known).as("a variable jobfleet reads").contains(variable.group(1));

        checkPrometheus(services.get("prometheus"));
        checkGrafana(services.get("grafana"));
    }

    /** Lays out Prometheus' mounts as in the container and runs promtool check config on them. */
    private static void checkPrometheus(String prometheus) throws IOException {
        Map<String, Path> mounts = mounts(prometheus);
        assertThat(mounts).containsKeys("/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml");
        assertThat(mounts.get("/etc/prometheus/alerts.yml")).isEqualTo(ObsTools.file("grafana/alerts.yml"));
        assertThat(prometheus).contains("--config.file=/etc/prometheus/prometheus.yml");
        Path container = Files.createTempDirectory("obs-prometheus-mounts");
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            if (!Files.isRegularFile(mount.getValue())) continue;
            Path target = container.resolve(mount.getKey().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(mount.getValue(), target);
        }
        String checked;
        try {
            checked = ObsTools.ok(
                    "promtool",
                    "check",
                    "config",
                    container.resolve("etc/prometheus/prometheus.yml").toString());
        } finally {
            ObsTools.deleteTree(container);
        }
        assertThat(checked).contains("SUCCESS: 1 rule files found", "SUCCESS: 9 rules found");
        String config = ObsTools.read("docker/prometheus.yml");
        assertThat(config).contains("targets: [\"api:8080\"]", "names: [\"worker\"]", "port: 9400");
    }

    private static void checkGrafana(String grafana) {
        Map<String, Path> mounts = mounts(grafana);
        assertThat(mounts.get("/etc/grafana/provisioning/datasources"))
                .isEqualTo(ObsTools.file("grafana/provisioning/datasources"));
        assertThat(mounts.get("/etc/grafana/provisioning/dashboards"))
                .isEqualTo(ObsTools.file("grafana/provisioning/dashboards"));
        Matcher path = Pattern.compile("\n\\s+path: (\\S+)")
                .matcher(ObsTools.read("grafana/provisioning/dashboards/jobfleet.yml"));
        assertThat(path.find()).as("the dashboard provider's path").isTrue();
        assertThat(mounts.get(path.group(1)))
                .as("the provider's path is where compose mounts grafana/dashboards")
                .isEqualTo(ObsTools.file("grafana/dashboards"));
        Matcher home = Pattern.compile("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: (\\S+)")
                .matcher(grafana);
        assertThat(home.find()).isTrue();
        assertThat(home.group(1)).isEqualTo(path.group(1) + "/jobfleet.json");

        String datasource = ObsTools.read("grafana/provisioning/datasources/prometheus.yml");
        assertThat(datasource).contains("url: http://prometheus:9090", "uid: prometheus", "type: prometheus");
        JsonNode dashboard = ObsSources.dashboard();
        JsonNode variable = dashboard.path("templating").path("list").path(0);
        assertThat(variable.path("type").asText()).isEqualTo("datasource");
        assertThat(variable.path("current").path("value").asText()).isEqualTo("prometheus");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("unique panel id").isTrue();
            assertThat(panel.path("gridPos").path("w").asInt()).isBetween(1, 24);
            if (!panel.path("type").asText().equals("row"))
                assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        }
    }

    @Test
    void theDockerfileBuildsWithTheProjectsBuildAndShipsTheJarItMakes() {
        String dockerfile = ObsTools.read("docker/Dockerfile");
        String[] stages = dockerfile.split("\nFROM ");
        assertThat(stages).as("two stages").hasSize(3);
        String build = stages[1];
        String runtime = stages[2];
        assertThat(javaVersion(build, "eclipse-temurin:(\\d+)-jdk AS build")).isGreaterThanOrEqualTo(21);
        assertThat(javaVersion(runtime, "eclipse-temurin:(\\d+)-jre")).isGreaterThanOrEqualTo(21);

        Matcher run = Pattern.compile("RUN .*?(\\./mvnw .*)\n").matcher(build);
        assertThat(run.find()).as("the build stage runs the Maven wrapper").isTrue();
        Matcher script = Pattern.compile("(\\./mvnw [^>)]*?)\\s*>").matcher(ObsTools.read("bin/jobfleet"));
        assertThat(script.find()).as("bin/jobfleet's build command").isTrue();
        assertThat(new TreeSet<>(List.of(run.group(1).strip().split("\\s+"))))
                .as("the image is built the way bin/jobfleet builds the jar")
                .isEqualTo(new TreeSet<>(List.of(script.group(1).strip().split("\\s+"))))
                .contains("package", "-DskipTests");

        Set<String> copied = new TreeSet<>();
        Matcher copy =
                Pattern.compile("^COPY (?!--)(.+) (\\S+)$", Pattern.MULTILINE).matcher(build);
        while (copy.find()) copied.addAll(List.of(copy.group(1).split(" ")));
        Set<String> needed = new TreeSet<>(List.of("mvnw", "pom.xml", ".mvn"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(ObsTools.read("pom.xml"));
        while (module.find()) needed.add(module.group(1));
        assertThat(copied).as("the build stage copies what the build reads").containsAll(needed);

        assertThat(ObsTools.read("cli/pom.xml"))
                .contains("<outputFile>${project.build.directory}/jobfleet.jar</outputFile>");
        Path built = Path.of(System.getProperty("jobfleet.jar", "target/jobfleet.jar"))
                .toAbsolutePath()
                .normalize();
        assertThat(built)
                .as("the jar mvn package made")
                .isEqualTo(ObsTools.root().resolve("cli/target/jobfleet.jar"));
        assertThat(built).isRegularFile();
        Matcher workdir = Pattern.compile("\nWORKDIR (\\S+)\n").matcher(build);
        assertThat(workdir.find()).isTrue();
        Matcher jar = Pattern.compile("\nCOPY --from=build (\\S+) (\\S+)\n").matcher(runtime);
        assertThat(jar.find()).isTrue();
        assertThat(jar.group(1)).as("the jar the build makes").isEqualTo(workdir.group(1) + "/cli/target/jobfleet.jar");

        assertThat(runtime)
                .containsPattern("\nUSER (?!0|root)\\S+\n")
                .contains("\nHEALTHCHECK ", "\nEXPOSE 8080 9400\n");
        Matcher options = Pattern.compile("JAVA_OPTS=\"([^\"]+)\"").matcher(runtime);
        assertThat(options.find()).isTrue();
        assertThat(options.group(1)).contains("-XX:MaxRAMPercentage=");
        assertThat(runtime)
                .contains("COPY docker/jobfleet /usr/local/bin/jobfleet", "ENTRYPOINT [\"/usr/local/bin/jobfleet\"]");
        String entrypoint = ObsTools.read("docker/jobfleet");
        assertThat(entrypoint).contains("${JOBFLEET_JAR:-" + jar.group(2) + "}");
        assertThat(ObsTools.read("docker/Dockerfile.dockerignore")).contains("**/target");

        // The entrypoint, with the image's JVM flags, runs the jar the build made.
        String java = Path.of(ProcessHandle.current().info().command().orElseThrow())
                .getParent()
                .toString();
        Map<String, String> env = Map.of(
                "JOBFLEET_JAR",
                Cli.jar().toAbsolutePath().toString(),
                "JAVA_OPTS",
                options.group(1),
                "PATH",
                java + ":" + System.getenv("PATH"));
        ObsTools.Result version = ObsTools.run(
                Duration.ofSeconds(30),
                env,
                null,
                List.of("sh", ObsTools.file("docker/jobfleet").toString(), "--version"));
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output().strip()).startsWith("jobfleet ");
        ObsTools.Result help = ObsTools.run(
                Duration.ofSeconds(30),
                env,
                null,
                List.of("sh", ObsTools.file("docker/jobfleet").toString(), "worker", "--help"));
        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("--shutdown-grace", "--metrics-port");
    }

    /** service name -> its block of `docker-compose config` output. */
    private static Map<String, String> services(String config) {
        Map<String, String> services = new LinkedHashMap<>();
        String block = config.substring(config.indexOf("services:\n") + 10);
        String name = null;
        StringBuilder body = new StringBuilder();
        for (String line : block.split("\n")) {
            if (!line.startsWith(" ")) break;
            if (line.startsWith("  ") && !line.startsWith("   ")) {
                if (name != null) services.put(name, body.toString());
                name = line.strip().replace(":", "");
                body.setLength(0);
            } else {
                body.append(line.substring(2)).append('\n');
            }
        }
        if (name != null) services.put(name, body.toString());
        return services;
    }

    /** container path -> host path of a service's bind mounts. */
    private static Map<String, Path> mounts(String service) {
        Map<String, Path> mounts = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\n  - (/[^:\n]+):(/[^:\n]+)(:r[ow])?").matcher(service);
        while (m.find()) mounts.put(m.group(2), Path.of(m.group(1)));
        return mounts;
    }

    private static String value(String service, String key) {
        Matcher m = Pattern.compile("\n\\s*" + key + ": (\\S+)").matcher("\n" + service);
        assertThat(m.find()).as(key).isTrue();
        return m.group(1);
    }

    private static int seconds(String duration) {
        Matcher m = Pattern.compile("(\\d+)s").matcher(duration);
        assertThat(m.matches()).as("a duration in seconds: %s", duration).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static int javaVersion(String stage, String image) {
        Matcher m = Pattern.compile(image).matcher(stage);
        assertThat(m.find()).as(image).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Every JOBFLEET_* name in the main sources and resources, and in docker/ (the image's own). */
    private static Set<String> variablesTheCodeReads() throws IOException {
        Set<String> names = new TreeSet<>();
        List<Path> roots = new ArrayList<>();
        for (String module : List.of("common", "worker", "api", "cli")) roots.add(ObsTools.file(module + "/src/main"));
        roots.add(ObsTools.file("docker/Dockerfile"));
        roots.add(ObsTools.file("docker/jobfleet"));
        Pattern variable = Pattern.compile("JOBFLEET_[A-Z_]+");
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Matcher m = variable.matcher(Files.readString(file));
                    while (m.find()) names.add(m.group());
                }
            }
        }
        return names;
    }
}
