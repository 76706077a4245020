package dev.gpilot.jobs.costs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.step.StepResult;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * A replay's input from ClickHouse's raw rows ({@code cost_records}) instead of the step-results
 * topic, for history older than the topic's retention (SPEC.md section 8, Replays): the range is
 * cut into slices of at most {@link #MAX_ROWS} rows (by minute, a busier minute by second), and
 * each slice is read back as the step results its rows were made from (everything a cost needs; no
 * output, no error text). Re-sent rows not merged yet come back twice, and the tagger drops the
 * second as it does live.
 */
public final class RawRowSlices {
  /** Rows per slice at most (a slice is one query, held in memory while it is read). */
  static final long MAX_ROWS = 50_000;

  /** {@code [fromMs, toMs)} of finish times. */
  public record Slice(long fromMs, long toMs) implements Serializable {}

  private RawRowSlices() {}

  /** The slices of {@code [from, to)} and how many rows they hold. */
  static List<Slice> plan(ClickHouseClient ch, String table, long from, long to, long[] rows) {
    List<Slice> slices = new ArrayList<>();
    long pendingFrom = -1;
    long pendingRows = 0;
    long total = 0;
    for (JsonNode m :
        ch.query(
            "SELECT toUInt32(toStartOfMinute(finished_at)) AS m, count() AS n FROM "
                + table
                + " WHERE "
                + where(from, to)
                + " GROUP BY m ORDER BY m")) {
      long start = Math.max(from, m.get("m").asLong() * 1000);
      long end = Math.min(to, m.get("m").asLong() * 1000 + 60_000);
      long n = m.get("n").asLong();
      total += n;
      if (pendingFrom >= 0 && (pendingRows + n > MAX_ROWS)) {
        slices.add(new Slice(pendingFrom, start));
        pendingFrom = -1;
        pendingRows = 0;
      }
      if (n > MAX_ROWS) {
        for (long s = start; s < end; s += 1000) { // a busy minute: by second
          slices.add(new Slice(s, Math.min(end, s + 1000)));
        }
        continue;
      }
      if (pendingFrom < 0) {
        pendingFrom = start;
      }
      pendingRows += n;
      // Slices are adjacent: the next one starts where this minute ends (minutes without rows fall
      // in between).
      if (pendingRows >= MAX_ROWS) {
        slices.add(new Slice(pendingFrom, end));
        pendingFrom = -1;
        pendingRows = 0;
      }
    }
    if (pendingFrom >= 0) {
      slices.add(new Slice(pendingFrom, to));
    }
    if (slices.isEmpty()) {
      slices.add(
          new Slice(from, to)); // no rows: one slice that reads none (a source needs an element)
    }
    rows[0] = total;
    return slices;
  }

  private static String where(long from, long to) {
    return "finished_at >= toDateTime("
        + from / 1000
        + ") AND finished_at <= toDateTime("
        + to / 1000
        + ")"
        + " AND finished_at_ms >= "
        + from
        + " AND finished_at_ms < "
        + to;
  }

  /** Reads a slice's rows back as step results. */
  static final class Read extends RichFlatMapFunction<Slice, StepResult> {
    private static final long serialVersionUID = 1L;
    private final String url;
    private final String database;
    private final String table;
    private transient ClickHouseClient client;

    Read(String url, String database, String table) {
      this.url = url;
      this.database = database;
      this.table = table;
    }

    @Override
    public void open(OpenContext openContext) {
      client = new ClickHouseClient(url, database, Duration.ofMinutes(2));
    }

    @Override
    public void flatMap(Slice slice, Collector<StepResult> out) {
      for (JsonNode r :
          client.query(
              "SELECT workspace_id, mission_id, step_id, attempt, agent, model, succeeded,"
                  + " prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros, price_version,"
                  + " started_at_ms, finished_at_ms FROM "
                  + table
                  + " WHERE "
                  + where(slice.fromMs(), slice.toMs()))) {
        String model = r.get("model").asText();
        String priceVersion = r.get("price_version").asText();
        boolean succeeded = r.get("succeeded").asInt() == 1;
        Usage usage =
            model.isEmpty()
                ? null
                : new Usage(
                    r.get("prompt_tokens").asLong(),
                    r.get("output_tokens").asLong(),
                    r.get("thinking_tokens").asLong(),
                    r.get("cached_tokens").asLong());
        out.collect(
            new StepResult(
                r.get("mission_id").asText(),
                r.get("workspace_id").asText(),
                r.get("step_id").asText(),
                r.get("attempt").asInt(),
                r.get("agent").asText(),
                succeeded,
                null,
                succeeded ? null : "(from the raw rows)",
                r.get("started_at_ms").asLong(),
                r.get("finished_at_ms").asLong(),
                model.isEmpty() ? null : model,
                usage,
                r.get("cost_micros").asLong(),
                priceVersion.isEmpty() ? null : priceVersion,
                false));
      }
    }
  }
}
