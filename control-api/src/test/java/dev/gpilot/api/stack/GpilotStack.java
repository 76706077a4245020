package dev.gpilot.api.stack;

import dev.gpilot.testing.ClickHouseTestServer;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The stack as a user runs it: every service a process of its own, started, stopped and killed by
 * the {@code gpilot} script itself (with {@code GPILOT_BUILD=skip}: the Maven build that runs the
 * test has built the modules), on free ports and in a home directory of its own. ClickHouse is the
 * test server ({@code CLICKHOUSE_URL}), with a database of the test's own.
 */
public final class GpilotStack implements AutoCloseable {
  /** Services in the order {@code up} starts them. */
  public static final List<String> SERVICES = List.of("kafka", "standin", "job", "api");

  /** The services {@code up --cluster} runs in the job's place. */
  public static final List<String> CLUSTER_SERVICES =
      List.of("jobmanager", "taskmanager-1", "taskmanager-2");

  /** The brokers {@code up --cluster} runs in the one broker's place. */
  public static final List<String> KAFKA_BROKERS = List.of("kafka-1", "kafka-2", "kafka-3");

  private final Path root;
  private final Path home;
  private final Map<String, String> env;
  private final int apiPort;
  private final int standinPort;
  private final int kafkaPort;
  private final int flinkPort;
  private final int api2Port;
  private final List<Integer> kafkaClusterPorts;
  private final List<Integer> flinkMetricsPorts;

  private GpilotStack(
      Path root,
      Path home,
      Map<String, String> env,
      int apiPort,
      int standinPort,
      int kafkaPort,
      int flinkPort) {
    this(root, home, env, apiPort, standinPort, kafkaPort, flinkPort, -1, List.of(), List.of());
  }

  private GpilotStack(
      Path root,
      Path home,
      Map<String, String> env,
      int apiPort,
      int standinPort,
      int kafkaPort,
      int flinkPort,
      int api2Port,
      List<Integer> kafkaClusterPorts,
      List<Integer> flinkMetricsPorts) {
    this.api2Port = api2Port;
    this.kafkaClusterPorts = kafkaClusterPorts;
    this.flinkMetricsPorts = flinkMetricsPorts;
    this.root = root;
    this.home = home;
    this.env = env;
    this.apiPort = apiPort;
    this.standinPort = standinPort;
    this.kafkaPort = kafkaPort;
    this.flinkPort = flinkPort;
  }

  /**
   * A stack (not started yet) under {@code home}.
   *
   * @param settings more environment for every service (e.g. {@code GPILOT_SIM_LATENCY_MS})
   */
  public static GpilotStack create(
      Path home, String clickhouseUrl, String database, Map<String, String> settings)
      throws IOException {
    Path root = findRoot();
    Files.createDirectories(home);
    int[] ports = freePorts(16);
    Map<String, String> env = new HashMap<>(System.getenv());
    // A key or broker of the developer's would change what runs: the stack brings its own.
    env.keySet()
        .removeAll(
            List.of(
                "GEMINI_API_KEY", "GEMINI_BASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "GPILOT_AGENTS"));
    env.put("GPILOT_HOME", home.toAbsolutePath().toString());
    env.put("GPILOT_BUILD", "skip");
    env.put("GPILOT_API_PORT", String.valueOf(ports[0]));
    env.put("GPILOT_FLINK_UI_PORT", String.valueOf(ports[1]));
    env.put("GPILOT_KAFKA_PORT", String.valueOf(ports[2]));
    env.put("GPILOT_KAFKA_CONTROLLER_PORT", String.valueOf(ports[3]));
    env.put("GPILOT_STANDIN_PORT", String.valueOf(ports[4]));
    env.put(
        "GPILOT_FLINK_RPC_PORT", String.valueOf(ports[5])); // up --cluster: the JobManager's RPC
    // up --cluster: the second API instance, the three brokers, the Flink processes' Prometheus
    // endpoints.
    env.put("GPILOT_API2_PORT", String.valueOf(ports[6]));
    env.put("GPILOT_KAFKA_PORTS", ports[7] + "," + ports[8] + "," + ports[9]);
    env.put("GPILOT_KAFKA_CONTROLLER_PORTS", ports[10] + "," + ports[11] + "," + ports[12]);
    env.put("GPILOT_FLINK_METRICS_PORTS", ports[13] + "," + ports[14] + "," + ports[15]);
    env.put("CLICKHOUSE_URL", clickhouseUrl);
    env.put("CLICKHOUSE_DATABASE", database);
    env.putAll(settings);
    return new GpilotStack(
        root,
        home,
        env,
        ports[0],
        ports[4],
        ports[2],
        ports[1],
        ports[6],
        List.of(ports[7], ports[8], ports[9]),
        List.of(ports[13], ports[14], ports[15]));
  }

  /**
   * A stack (not started yet) for a test class: under {@code target/<name>-<random>}, on the test's
   * ClickHouse database.
   *
   * @param settings more environment for every service (e.g. {@code GPILOT_SIM_LATENCY_MS})
   */
  public static GpilotStack create(
      String name, ClickHouseTestServer clickhouse, Map<String, String> settings)
      throws IOException {
    return create(
        Path.of("target", name + "-" + UUID.randomUUID().toString().substring(0, 8)),
        clickhouse.url(),
        clickhouse.database(),
        settings);
  }

  /**
   * The stack {@code ./gpilot up} started for the user (its {@code GPILOT_HOME}, ports and
   * ClickHouse from {@code env}, the defaults otherwise); restarts through the script reuse the
   * build {@code up} made.
   */
  public static GpilotStack attach(Map<String, String> env) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put("GPILOT_BUILD", "skip");
    Path root = copy.containsKey("GPILOT_ROOT") ? Path.of(copy.get("GPILOT_ROOT")) : findRoot();
    Path home =
        Path.of(copy.getOrDefault("GPILOT_HOME", root.resolve(".gpilot").toString()))
            .toAbsolutePath();
    return new GpilotStack(
        root,
        home,
        copy,
        Integer.parseInt(copy.getOrDefault("GPILOT_API_PORT", "8080")),
        Integer.parseInt(copy.getOrDefault("GPILOT_STANDIN_PORT", "8090")),
        Integer.parseInt(copy.getOrDefault("GPILOT_KAFKA_PORT", "9092")),
        Integer.parseInt(copy.getOrDefault("GPILOT_FLINK_UI_PORT", "8081")));
  }

  /**
   * Runs {@code ./gpilot up} with more environment (e.g. a stand-in latency for the service it
   * starts).
   */
  public String up(Map<String, String> more) {
    Map<String, String> saved = new HashMap<>(env);
    env.putAll(more);
    try {
      return up();
    } finally {
      env.clear();
      env.putAll(saved);
    }
  }

  /**
   * The checkout: the nearest directory at or above the working directory that holds the gpilot
   * script.
   */
  private static Path findRoot() {
    Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (!Files.isRegularFile(root.resolve("gpilot"))) {
      root = root.getParent();
      if (root == null) {
        throw new IllegalStateException("no gpilot script above " + System.getProperty("user.dir"));
      }
    }
    return root;
  }

  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  /**
   * Starts whatever is not running ({@code ./gpilot up}); returns once every service is healthy.
   */
  public String up() {
    return run(Duration.ofMinutes(5), "up");
  }

  /** Stops the named services, or all ({@code ./gpilot down}). */
  public String down(String... services) {
    String[] args = new String[services.length + 1];
    args[0] = "down";
    System.arraycopy(services, 0, args, 1, services.length);
    return run(Duration.ofMinutes(2), args);
  }

  /** SIGKILLs one service ({@code ./gpilot kill}). */
  public String kill(String service) {
    return run(Duration.ofSeconds(30), "kill", service);
  }

  /**
   * Runs {@code ./gpilot status} and returns what it printed, whatever its exit code (3: something
   * is stopped).
   */
  public String status() {
    return run(Duration.ofSeconds(60), false, "status");
  }

  /**
   * Runs {@code ./gpilot args...} and returns what it printed; fails with that output unless it
   * exits 0.
   */
  public String run(Duration timeout, String... args) {
    return run(timeout, true, args);
  }

  private String run(Duration timeout, boolean check, String... args) {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("gpilot").toString());
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(home, "gpilot-", ".out");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(root.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().clear();
      builder.environment().putAll(env);
      Process process = builder.start();
      boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        process.destroyForcibly();
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      Files.deleteIfExists(out);
      if (!done || (check && process.exitValue() != 0)) {
        throw new IllegalStateException(
            "./gpilot "
                + String.join(" ", args)
                + (done ? " exited " + process.exitValue() : " did not finish in " + timeout)
                + ":\n"
                + output
                + "\n"
                + logTails());
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run ./gpilot " + String.join(" ", args), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running ./gpilot " + String.join(" ", args), e);
    }
  }

  /** The last lines of every service's log, for failure messages. */
  public String logTails() {
    StringBuilder tails = new StringBuilder();
    for (String service :
        java.util.stream.Stream.of(SERVICES, CLUSTER_SERVICES, KAFKA_BROKERS, List.of("api-2"))
            .flatMap(List::stream)
            .toList()) {
      Path log = home.resolve("logs").resolve(service + ".out");
      try {
        if (Files.exists(log)) {
          List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
          tails.append("--- ").append(log).append(" (last 30 lines)\n");
          lines
              .subList(Math.max(0, lines.size() - 30), lines.size())
              .forEach(l -> tails.append(l).append('\n'));
        }
      } catch (IOException e) {
        tails.append("--- ").append(log).append(": ").append(e).append('\n');
      }
    }
    return tails.toString();
  }

  /** The pid {@code up} recorded for a service, or -1 when it is not running. */
  public long pid(String service) {
    try {
      Path file = home.resolve("run").resolve(service + ".pid");
      return Files.exists(file) ? Long.parseLong(Files.readString(file).strip()) : -1;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The development token {@code up} wrote (workspace {@code default}). */
  public String token() {
    try {
      return Files.readString(home.resolve("token"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalStateException("no token: is the stack up?", e);
    }
  }

  public URI api(String path) {
    return URI.create("http://127.0.0.1:" + apiPort + path);
  }

  /**
   * A call to this stack's API as {@code token}, read whole, with a JSON body when {@code body} is
   * not null.
   */
  public HttpResponse<String> send(
      HttpClient http, Duration timeout, String token, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(api(path))
            .timeout(timeout)
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(
        request
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public URI standin(String path) {
    return URI.create("http://127.0.0.1:" + standinPort + path);
  }

  /** The Flink REST API: the embedded job's web UI, or the cluster's JobManager. */
  public URI flink(String path) {
    return URI.create("http://127.0.0.1:" + flinkPort + path);
  }

  /** The second API instance of {@code up --cluster}. */
  public URI api2(String path) {
    return URI.create("http://127.0.0.1:" + api2Port + path);
  }

  /**
   * The Prometheus endpoint of a Flink process of {@code up --cluster}: jobmanager, taskmanager-1,
   * taskmanager-2.
   */
  public URI flinkMetrics(String service) {
    return URI.create(
        "http://127.0.0.1:"
            + flinkMetricsPorts.get(CLUSTER_SERVICES.indexOf(service))
            + "/metrics");
  }

  /** The broker of {@code up}, or the three of {@code up --cluster} when they run. */
  public String kafkaBootstrap() {
    if (Files.exists(home.resolve("run").resolve("flink.mode")) && !kafkaClusterPorts.isEmpty()) {
      return String.join(",", kafkaClusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    }
    return "127.0.0.1:" + kafkaPort;
  }

  public Path home() {
    return home;
  }

  /** Stops everything this stack started. */
  @Override
  public void close() {
    try {
      down();
    } catch (RuntimeException e) {
      System.err.println("stopping the stack: " + e.getMessage());
    }
  }
}
