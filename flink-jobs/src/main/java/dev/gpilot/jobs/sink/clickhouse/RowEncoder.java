package dev.gpilot.jobs.sink.clickhouse;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.Serializable;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Writes an element as one row of a ClickHouse table: a JSON object whose fields are column names
 * ({@code JSONEachRow}), straight into the batch being filled. Tables with many rows per second
 * write their fields one by one; others may build a tree ({@link #tree}).
 */
@FunctionalInterface
public interface RowEncoder<T> extends Serializable {
  /** Writes one complete JSON object (start to end) for {@code element}. */
  void write(T element, JsonGenerator row) throws IOException;

  /** A row built as a tree, then written. */
  static <T> RowEncoder<T> tree(SerializableFunction<T, ObjectNode> rows) {
    return (element, row) -> Json.mapper().writeTree(row, rows.apply(element));
  }
}
