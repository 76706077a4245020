package dev.gpilot.jobs.sink.clickhouse;

import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * Where a sink writer's inserts go. Both calls block and throw a {@link
 * dev.gpilot.clickhouse.ClickHouseException}, retriable or not; the writer calls them from its
 * sender threads, possibly from several at once.
 */
interface InsertTarget {
  /**
   * Before the first insert: brings the schema up to date and checks that the table takes the rows.
   */
  void prepare();

  /** Inserts one batch: rows encoded one after the other. */
  void insert(byte[] rows);

  /** Makes a writer's target (in the task, after the sink was shipped there). */
  interface Factory extends Serializable {
    InsertTarget open();
  }

  /** A table of the ClickHouse the options name, taking rows in {@code format}. */
  static <T> Factory table(ClickHouseSinkOptions options, String table, RowFormat<T> format) {
    return new TableFactory<>(options, table, format);
  }

  record TableFactory<T>(ClickHouseSinkOptions options, String table, RowFormat<T> format)
      implements Factory {
    @Override
    public InsertTarget open() {
      ClickHouseClient client =
          new ClickHouseClient(options.url(), options.database(), Duration.ofSeconds(60));
      List<String> columns = format.columns();
      return new InsertTarget() {
        @Override
        public void prepare() {
          ClickHouseMigrations.apply(client);
          format.check(client, table);
        }

        @Override
        public void insert(byte[] rows) {
          client.insert(table, columns, format.name(), rows);
        }
      };
    }
  }
}
