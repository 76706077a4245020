package dev.gpilot.jobs.costs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What a replay changes, per (agent, model): attempts, the old total (as recorded), the new total,
 * the delta. Printed as a table and saved as JSON. Plain logic.
 *
 * @param rows one per (agent, model), by agent then model
 */
public record ReplayDiff(String version, String from, String to, boolean dryRun, List<Row> rows) {

  /** One (agent, model): integers of micro-credits; {@code attempts} counts each attempt once. */
  public record Row(
      String agent, String model, long attempts, long oldCostMicros, long newCostMicros) {
    public long deltaMicros() {
      return newCostMicros - oldCostMicros;
    }

    Row plus(Row o) {
      return new Row(
          agent,
          model,
          attempts + o.attempts,
          Math.addExact(oldCostMicros, o.oldCostMicros),
          Math.addExact(newCostMicros, o.newCostMicros));
    }
  }

  public ReplayDiff {
    rows =
        rows.stream().sorted(Comparator.comparing(Row::agent).thenComparing(Row::model)).toList();
  }

  /** All rows summed (agent and model "*"). */
  public Row total() {
    Row total = new Row("*", "*", 0, 0, 0);
    for (Row r : rows) {
      total = total.plus(r);
    }
    return total;
  }

  public void print(PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%s %s → %s, price version %s%s%n",
        dryRun ? "dry run:" : "replayed:",
        from,
        to,
        version,
        dryRun ? " (nothing written)" : "");
    String format = "%-28s %-36s %10s %16s %16s %16s%n";
    out.printf(
        Locale.ROOT, format, "agent", "model", "attempts", "old µcredits", "new µcredits", "delta");
    List<Row> all = new ArrayList<>(rows);
    all.add(total());
    for (Row r : all) {
      out.printf(
          Locale.ROOT,
          format,
          r.agent().isEmpty() ? "(none)" : r.agent(),
          r.model().isEmpty() ? "(none)" : r.model(),
          r.attempts(),
          r.oldCostMicros(),
          r.newCostMicros(),
          (r.deltaMicros() > 0 ? "+" : "") + r.deltaMicros());
    }
  }

  public void save(Path file) throws IOException {
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("version", version).put("from", from).put("to", to).put("dryRun", dryRun);
    ArrayNode array = json.putArray("rows");
    for (Row r : rows) {
      row(array.addObject(), r);
    }
    row(json.putObject("total"), total());
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Files.writeString(
        file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
  }

  private static void row(ObjectNode o, Row r) {
    o.put("agent", r.agent())
        .put("model", r.model())
        .put("attempts", r.attempts())
        .put("oldCostMicros", r.oldCostMicros())
        .put("newCostMicros", r.newCostMicros())
        .put("deltaMicros", r.deltaMicros());
  }
}
