package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.gpilot.contracts.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code infra/k8s/} true to the code: every topic, configuration key, port and image the
 * manifests name exists in the code (the {@code Topics}, Flink's options and the job's, the
 * variables the API and the job read, the local cluster's broker settings, the images built from
 * {@code infra/k8s/images/}), and what the code needs in production is in the manifests.
 */
class KubernetesManifestsTest {
  private static final Path ROOT = root();
  private static final Path K8S = ROOT.resolve("infra/k8s");
  private static final ObjectMapper YAML = new YAMLMapper();

  @Test
  void kafkaTopics_areExactlyTheTopicsOfTopics_withTheirPartitionsAndConfig_onThreeReplicas() {
    Map<String, JsonNode> manifests = new TreeMap<>();
    for (JsonNode topic : resources("kafka-topics.yaml", "KafkaTopic")) {
      assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("gpilot");
      assertThat(manifests.put(topic.at("/spec/topicName").asText(), topic))
          .as("one KafkaTopic per topic")
          .isNull();
    }
    assertThat(manifests.keySet())
        .containsExactlyInAnyOrderElementsOf(Topics.all().stream().map(Topics.Spec::name).toList());
    for (Topics.Spec spec : Topics.all()) {
      JsonNode topic = manifests.get(spec.name());
      assertThat(topic.at("/spec/partitions").asInt()).as(spec.name()).isEqualTo(spec.partitions());
      assertThat(topic.at("/spec/replicas").asInt()).as(spec.name()).isEqualTo(3);
      assertThat(strings(topic.at("/spec/config"))).as(spec.name()).isEqualTo(spec.config());
    }
  }

  @Test
  void kafka_isThreeKraftNodes_withTheLocalClustersReplication_andOnlyBrokerKeysTheLocalBrokerSets()
      throws IOException {
    JsonNode pool = resources("kafka.yaml", "KafkaNodePool").get(0);
    assertThat(pool.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(texts(pool.at("/spec/roles"))).containsExactlyInAnyOrder("controller", "broker");
    JsonNode kafka = resources("kafka.yaml", "Kafka").get(0);
    assertThat(kafka.at("/metadata/name").asText())
        .isEqualTo(pool.at("/metadata/labels/strimzi.io~1cluster").asText());
    assertThat(kafka.at("/spec/kafka/version").asText())
        .isEqualTo(pomProperty(ROOT.resolve("pom.xml"), "kafka.version"))
        .isEqualTo(pomProperty(ROOT.resolve("infra/kafka/pom.xml"), "kafka.version"));
    Map<String, String> config = strings(kafka.at("/spec/kafka/config"));
    // What `up --cluster` renders for three nodes (infra/kafka/server.properties.template).
    Map<String, String> local = new TreeMap<>();
    for (String line : Files.readAllLines(ROOT.resolve("infra/kafka/server.properties.template"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] kv = line.split("=", 2);
        local.put(
            kv[0].strip(),
            kv[1].strip().replace("@@REPLICATION@@", "3").replace("@@MIN_ISR@@", "2"));
      }
    }
    assertThat(local.keySet()).as("keys the local broker sets").containsAll(config.keySet());
    local.forEach(
        (key, value) -> {
          if (key.contains("replication")
              || key.contains("isr")
              || key.equals("auto.create.topics.enable")
              || key.equals("transaction.max.timeout.ms")) {
            if (!key.startsWith("share.")) {
              assertThat(config).as("the Kafka resource's config").containsEntry(key, value);
            }
          }
        });
    assertThat(config)
        .containsEntry("default.replication.factor", "3")
        .containsEntry("min.insync.replicas", "2");
  }

  @Test
  void
      flinkDeployment_statesTheJobsProductionOptions_andNamesOnlyFlinkOptionsOrTheReportersTheLocalClusterSets()
          throws Exception {
    JsonNode deployment = resources("flink-deployment.yaml", "FlinkDeployment").get(0);
    Map<String, String> flink = strings(deployment.at("/spec/flinkConfiguration"));
    // Every production default of the job is written out, with the job's value.
    Configuration given = new Configuration();
    given.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://any");
    Map<String, String> defaults = MissionJobFlinkOptions.defaultsUnder(given).toMap();
    assertThat(defaults).isNotEmpty();
    defaults.forEach(
        (key, value) ->
            assertThat(flink.get(key))
                .as("flinkConfiguration %s", key)
                .isNotNull()
                .isEqualToIgnoringCase(value));
    assertThat(flink)
        .containsEntry("state.backend.type", "rocksdb")
        .containsEntry("high-availability.type", "kubernetes")
        .containsKeys(
            CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(),
            HighAvailabilityOptions.HA_STORAGE_PATH.key());
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()))
        .as("checkpoints on an object store")
        .startsWith("s3://");
    // Every key is one of Flink's options, the operator's own, or a reporter key the local cluster
    // sets too.
    Set<String> known = flinkOptionKeys();
    String gpilot = Files.readString(ROOT.resolve("gpilot"));
    for (String key : flink.keySet()) {
      if (key.startsWith("kubernetes.operator.")) {
        continue; // read by the Flink Kubernetes Operator, not by Flink
      }
      if (key.startsWith("metrics.reporter.")) {
        assertThat(gpilot).as("`up --cluster` sets %s too", key).contains(key + ":");
        continue;
      }
      assertThat(known).as("a Flink option").contains(key);
    }
    // The same reporter as the local cluster's, from the jar it resolves (the Flink image ships it
    // in plugins/).
    assertThat(gpilot)
        .contains(
            "metrics.reporter.prom.factory.class: "
                + flink.get("metrics.reporter.prom.factory.class"));
    assertThat(Files.readString(ROOT.resolve("infra/flink/pom.xml")))
        .contains("<artifactId>flink-metrics-prometheus<");

    assertThat(deployment.at("/spec/job/upgradeMode").asText()).isEqualTo("savepoint");
    assertThat(Class.forName(deployment.at("/spec/job/entryClass").asText()))
        .isEqualTo(MissionJob.class);
    String flinkVersion = pomProperty(ROOT.resolve("pom.xml"), "flink.version");
    assertThat(pomProperty(ROOT.resolve("infra/flink/pom.xml"), "flink.version"))
        .isEqualTo(flinkVersion);
    assertThat(deployment.at("/spec/flinkVersion").asText())
        .isEqualTo("v" + flinkVersion.replaceAll("^(\\d+)\\.(\\d+).*", "$1_$2"));
    assertThat(
            env(deployment.at("/spec/podTemplate/spec/containers/0"))
                .get("ENABLE_BUILT_IN_PLUGINS")
                .path("value")
                .asText())
        .isEqualTo("flink-s3-fs-presto-" + flinkVersion + ".jar");
  }

  @Test
  void environment_namesOnlyVariablesTheCodeReads_setsWhatProductionNeeds_andHoldsNoSecret()
      throws IOException {
    Set<String> read = variablesTheCodeReads();
    Map<String, JsonNode> api = env(apiContainer());
    Map<String, JsonNode> job =
        env(
            resources("flink-deployment.yaml", "FlinkDeployment")
                .get(0)
                .at("/spec/podTemplate/spec/containers/0"));
    for (Map<String, JsonNode> env : List.of(api, job)) {
      for (String name : env.keySet()) {
        if (!name.equals("ENABLE_BUILT_IN_PLUGINS")) { // the Flink image's entry point reads it
          assertThat(read).as("a variable the code reads").contains(name);
        }
      }
      assertThat(env)
          .containsKeys(
              "KAFKA_BOOTSTRAP_SERVERS",
              "CLICKHOUSE_URL",
              "CLICKHOUSE_DATABASE",
              "GPILOT_VAULT_KMS_KEY_URI");
      // The master key is the KMS's: never a local keyset, never a literal.
      assertThat(env).doesNotContainKey("GPILOT_VAULT_MASTER_KEYSET");
      assertThat(env.get("GPILOT_VAULT_KMS_KEY_URI").has("valueFrom")).isTrue();
      // What carries a password or a key comes from a Secret.
      assertThat(env.get("CLICKHOUSE_URL").at("/valueFrom/secretKeyRef/name").asText())
          .isNotEmpty();
      env.forEach(
          (name, var) -> assertThat(var.path("value").asText()).as(name).doesNotContain("@"));
    }
    assertThat(api).containsKeys("GPILOT_TOKENS_FILE", "GPILOT_KEY_HASH_SECRET", "GPILOT_API_HOST");
    assertThat(job.get("GEMINI_API_KEY").at("/valueFrom/secretKeyRef/name").asText()).isNotEmpty();
    // The same brokers for both, on the Kafka resource's listener.
    JsonNode kafka = resources("kafka.yaml", "Kafka").get(0);
    JsonNode listener = kafka.at("/spec/kafka/listeners/0");
    String bootstrap =
        kafka.at("/metadata/name").asText() + "-kafka-bootstrap:" + listener.path("port").asInt();
    assertThat(api.get("KAFKA_BOOTSTRAP_SERVERS").path("value").asText()).isEqualTo(bootstrap);
    assertThat(job.get("KAFKA_BOOTSTRAP_SERVERS").path("value").asText()).isEqualTo(bootstrap);
  }

  @Test
  void ports_ofTheApiAndOfFlinksMetrics_agreeAcrossContainerProbesServiceAndScrapeAnnotations()
      throws IOException {
    JsonNode container = apiContainer();
    int port = container.at("/ports/0/containerPort").asInt();
    Matcher defaultPort =
        Pattern.compile("getOrDefault\\(\"GPILOT_API_PORT\", \"(\\d+)\"\\)")
            .matcher(
                Files.readString(
                    ROOT.resolve("control-api/src/main/java/dev/gpilot/api/ApiOptions.java")));
    assertThat(defaultPort.find()).isTrue();
    assertThat(port).isEqualTo(Integer.parseInt(defaultPort.group(1)));
    assertThat(env(container).get("GPILOT_API_PORT").path("value").asText())
        .isEqualTo(String.valueOf(port));
    assertThat(container.at("/readinessProbe/httpGet/port").asInt()).isEqualTo(port);
    assertThat(container.at("/livenessProbe/httpGet/port").asInt()).isEqualTo(port);
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health");
    JsonNode deployment = resources("control-api.yaml", "Deployment").get(0);
    assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1port").asText())
        .isEqualTo(String.valueOf(port));
    JsonNode service = resources("control-api.yaml", "Service").get(0);
    assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(port);
    assertThat(service.at("/spec/selector"))
        .isEqualTo(deployment.at("/spec/template/metadata/labels"));
    JsonNode hpa = resources("control-api.yaml", "HorizontalPodAutoscaler").get(0);
    assertThat(hpa.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment.at("/metadata/name").asText());
    assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(2);

    JsonNode flink = resources("flink-deployment.yaml", "FlinkDeployment").get(0);
    String metrics = flink.at("/spec/flinkConfiguration/metrics.reporter.prom.port").asText();
    assertThat(flink.at("/spec/podTemplate/metadata/annotations/prometheus.io~1port").asText())
        .isEqualTo(metrics);
    assertThat(flink.at("/spec/podTemplate/spec/containers/0/ports/0/containerPort").asText())
        .isEqualTo(metrics);
  }

  @Test
  void images_ourOnesAreBuiltByADockerfileAtTheProjectsVersion_andEveryDockerfileIsUsed()
      throws IOException {
    String version = projectVersion();
    Map<String, Path> built = new TreeMap<>();
    try (Stream<Path> files = Files.list(K8S.resolve("images"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".Dockerfile")).toList()) {
        Matcher image = Pattern.compile("(?m)^# image: (\\S+)$").matcher(Files.readString(file));
        assertThat(image.find()).as("%s names its image", file).isTrue();
        built.put(image.group(1), file);
      }
    }
    Set<String> used = new TreeSet<>();
    for (String image : images()) {
      String name = image.substring(0, image.lastIndexOf(':'));
      String tag = image.substring(image.lastIndexOf(':') + 1);
      if (name.startsWith("gpilot/")) {
        assertThat(built).as("a Dockerfile builds %s", image).containsKey(name);
        assertThat(tag).as(image).isEqualTo(version);
        used.add(name);
      }
    }
    assertThat(used)
        .as("every image built is used")
        .containsExactlyInAnyOrderElementsOf(built.keySet());
    String java = pomProperty(ROOT.resolve("pom.xml"), "maven.compiler.release");
    String flinkDockerfile = Files.readString(built.get("gpilot/flink-job"));
    assertThat(flinkDockerfile)
        .contains(
            "FROM flink:" + pomProperty(ROOT.resolve("pom.xml"), "flink.version") + "-java" + java)
        .contains("flink-jobs-" + version + "-job.jar");
    String jarUri =
        resources("flink-deployment.yaml", "FlinkDeployment")
            .get(0)
            .at("/spec/job/jarURI")
            .asText();
    assertThat(flinkDockerfile).contains(" " + jarUri.replaceFirst("^local://", "") + "\n");
    assertThat(Files.readString(built.get("gpilot/control-api")))
        .contains("FROM eclipse-temurin:" + java + "-");
  }

  // ------------------------------------------------------------------ reading

  private static JsonNode apiContainer() {
    return resources("control-api.yaml", "Deployment")
        .get(0)
        .at("/spec/template/spec/containers/0");
  }

  /** The documents of {@code file} of one kind. */
  private static List<JsonNode> resources(String file, String kind) {
    List<JsonNode> found = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(K8S.resolve(file).toFile())) {
      YAML.readValues(parser, JsonNode.class)
          .forEachRemaining(
              doc -> {
                if (doc != null && doc.path("kind").asText().equals(kind)) {
                  found.add(doc);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(found).as("%s in %s", kind, file).isNotEmpty();
    return found;
  }

  /** Every {@code image:} in every manifest, at any depth. */
  private static List<String> images() throws IOException {
    List<String> images = new ArrayList<>();
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
          YAML.readValues(parser, JsonNode.class)
              .forEachRemaining(doc -> collectImages(doc, images));
        }
      }
    }
    assertThat(images).isNotEmpty();
    return images;
  }

  private static void collectImages(JsonNode node, List<String> into) {
    if (node == null) {
      return;
    }
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              f -> {
                if (f.getKey().equals("image") && f.getValue().isTextual()) {
                  into.add(f.getValue().asText());
                } else {
                  collectImages(f.getValue(), into);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectImages(n, into));
    }
  }

  private static Map<String, JsonNode> env(JsonNode container) {
    Map<String, JsonNode> env = new LinkedHashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    return env;
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> map = new TreeMap<>();
    object.fields().forEachRemaining(f -> map.put(f.getKey(), f.getValue().asText()));
    return map;
  }

  private static List<String> texts(JsonNode array) {
    List<String> list = new ArrayList<>();
    array.forEach(n -> list.add(n.asText()));
    return list;
  }

  /**
   * The environment variables the API, the job and the contracts read: the string literals naming
   * them.
   */
  private static Set<String> variablesTheCodeReads() throws IOException {
    Set<String> names = new TreeSet<>();
    Pattern literal = Pattern.compile("\"((?:GPILOT|KAFKA|CLICKHOUSE|GEMINI)_[A-Z0-9_]+)\"");
    for (String module : List.of("contracts", "flink-jobs", "control-api")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = literal.matcher(Files.readString(file));
          while (m.find()) {
            names.add(m.group(1));
          }
        }
      }
    }
    return names;
  }

  /**
   * The keys of Flink's options the manifests may use (the classes the job's own options come from,
   * and HA's).
   */
  private static Set<String> flinkOptionKeys() throws IllegalAccessException {
    Set<String> keys = new TreeSet<>();
    for (Class<?> options :
        List.of(
            CheckpointingOptions.class,
            StateBackendOptions.class,
            RestartStrategyOptions.class,
            PipelineOptions.class,
            HighAvailabilityOptions.class,
            TaskManagerOptions.class,
            RocksDBConfigurableOptions.class)) {
      for (Field field : options.getFields()) {
        if (Modifier.isStatic(field.getModifiers())
            && ConfigOption.class.isAssignableFrom(field.getType())) {
          ConfigOption<?> option = (ConfigOption<?>) field.get(null);
          keys.add(option.key());
          option.fallbackKeys().forEach(k -> keys.add(k.getKey()));
        }
      }
    }
    return keys;
  }

  private static String projectVersion() throws IOException {
    Matcher m =
        Pattern.compile(
                "</parent>|<artifactId>gpilot-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(Files.readString(ROOT.resolve("pom.xml")));
    while (m.find()) {
      if (m.group(1) != null) {
        return m.group(1);
      }
    }
    throw new AssertionError("no project version in pom.xml");
  }

  private static String pomProperty(Path pom, String name) {
    try {
      Matcher m =
          Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(pom));
      assertThat(m.find()).as("%s in %s", name, pom).isTrue();
      return m.group(1).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("infra/k8s"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no infra/k8s above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
