package dev.gpilot.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.analytics.CostAnalytics;
import dev.gpilot.api.stack.GpilotStack;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.json.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./gpilot bench console [rawRows]}: the console's numbers in Debian's Chromium
 * (docs/benchmarks/console.md): time to first paint and to interactive of the mission and analytics
 * pages, the JS bundle gzipped, the frame rate while a 200-step DAG updates live, axe-core on every
 * page. The stack as {@code up} runs it (every service a process, the built console served by the
 * API), on a ClickHouse database of its own ({@code bench_console}) that holds {@code rawRows} raw
 * cost rows (default 10,000,000, 30 days, workspace {@code default}) with their rollups, sealed as
 * the API's sealer leaves them. The browser part is {@code console/e2e/perf.mjs}.
 *
 * <p>Arguments: clickhouseUrl outputFile [rawRows=10000000].
 */
public final class ConsoleBenchmark {
  private static final String DATABASE = "bench_console";

  public static void main(String[] args) {
    BenchMain.exitAfter(args, ConsoleBenchmark::run);
  }

  private static void run(String[] args) throws Exception {
    String clickhouse = args[0];
    Path output = Path.of(args[1]).toAbsolutePath();
    long rawRows = BenchMain.longArg(args, 2, 10_000_000);
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("rawRows", rawRows);
    out.put("loadAverageAtStart", CostRowsGenerator.loadAverage());

    ClickHouseClient ch = new ClickHouseClient(clickhouse, DATABASE, Duration.ofMinutes(10));
    ch.withDatabase(null).execute("DROP DATABASE IF EXISTS " + DATABASE);
    ClickHouseMigrations.apply(ch);
    long t0 = System.nanoTime();
    System.out.printf(
        "loading %,d raw cost rows and their rollups into %s ...%n", rawRows, DATABASE);
    CostRowsGenerator.load(ch, "default", rawRows, Instant.now().getEpochSecond());
    ch.execute("OPTIMIZE TABLE cost_rollup_1m FINAL");
    long loaded = System.nanoTime();
    out.put("loadSeconds", (loaded - t0) / 1e9);
    CostRowsGenerator.settle(ch);
    long wait = 61_000 - (System.nanoTime() - loaded) / 1_000_000;
    if (wait > 0) {
      Thread.sleep(wait); // the sealer seals hours untouched for a minute
    }
    out.put("sealedWindows", new CostAnalytics(ch, Clock.systemUTC()).sealNow());

    Path root = Path.of(System.getProperty("gpilot.root", ".")).toAbsolutePath().normalize();
    Path home =
        Path.of(System.getProperty("gpilot.home", ".gpilot"))
            .resolve("bench")
            .resolve("console-stack");
    try (GpilotStack stack =
        GpilotStack.create(home, clickhouse, DATABASE, Map.of("GPILOT_SIM_LATENCY_MS", "300"))) {
      System.out.println("starting the stack ...");
      stack.up();
      Path perf = output.resolveSibling("console-perf.json");
      ProcessBuilder node =
          new ProcessBuilder("node", "e2e/perf.mjs", perf.toString())
              .directory(root.resolve("console").toFile())
              .inheritIO()
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      node.environment().put("GPILOT_URL", stack.api("").toString());
      node.environment().put("GPILOT_TOKEN", stack.token());
      node.environment()
          .put(
              "GPILOT_CONSOLE_DIST", root.resolve("control-api/target/classes/console").toString());
      Process p = node.start();
      if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("console/e2e/perf.mjs failed");
      }
      JsonNode measured = Json.mapper().readTree(perf.toFile());
      out.set("browser", measured);
    }
    out.put("loadAverageAtEnd", CostRowsGenerator.loadAverage());
    String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
    Files.createDirectories(output.getParent());
    Files.writeString(output, json);
    System.out.println("saved " + output);
    if (System.getenv("GPILOT_BENCH_KEEP") == null) {
      ch.withDatabase(null).execute("DROP DATABASE IF EXISTS " + DATABASE);
    }
  }
}
