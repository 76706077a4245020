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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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

  /** An (agent, model) pair, what the totals are kept by; ordered by agent, then model. */
  public record Key(String agent, String model) implements Comparable<Key> {
    private static final Comparator<Key> ORDER =
        Comparator.comparing(Key::agent).thenComparing(Key::model);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }
  }

  /** Attempts and their cost in micro-credits. */
  public record Count(long attempts, long costMicros) {
    public static final Count ZERO = new Count(0, 0);

    public Count plus(Count o) {
      return new Count(attempts + o.attempts, Math.addExact(costMicros, o.costMicros));
    }
  }

  /**
   * One row per (agent, model) that either side has: the old total from {@code live}, the new one
   * from {@code replayed}; an attempt is counted once (the larger side's count).
   */
  public static List<Row> compare(Map<Key, Count> live, Map<Key, Count> replayed) {
    Set<Key> keys = new TreeSet<>(live.keySet());
    keys.addAll(replayed.keySet());
    List<Row> rows = new ArrayList<>();
    for (Key key : keys) {
      Count o = live.getOrDefault(key, Count.ZERO);
      Count n = replayed.getOrDefault(key, Count.ZERO);
      rows.add(
          new Row(
              key.agent(),
              key.model(),
              Math.max(o.attempts(), n.attempts()),
              o.costMicros(),
              n.costMicros()));
    }
    return rows;
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
