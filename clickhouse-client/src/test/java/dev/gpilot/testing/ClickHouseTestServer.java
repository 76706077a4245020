package dev.gpilot.testing;

import dev.gpilot.clickhouse.ClickHouseClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real ClickHouse server the tests run against, at {@code CLICKHOUSE_URL} ({@code ./gpilot
 * test} installs and starts one), with a fresh database per test class, dropped afterwards.
 */
public final class ClickHouseTestServer implements BeforeAllCallback, AfterAllCallback {
  private String url;
  private String database;

  @Override
  public void beforeAll(ExtensionContext context) {
    url = System.getenv("CLICKHOUSE_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          "CLICKHOUSE_URL is not set: run the suite with ./gpilot test, which starts a ClickHouse server");
    }
    ClickHouseClient server = new ClickHouseClient(url, null, Duration.ofSeconds(30));
    if (!server.ping()) {
      throw new IllegalStateException("no ClickHouse server answers at CLICKHOUSE_URL=" + url);
    }
    database = "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (database != null) {
      new ClickHouseClient(url, null, Duration.ofSeconds(30))
          .execute("DROP DATABASE IF EXISTS " + database);
    }
  }

  public String url() {
    return url;
  }

  /** This test class's database; the code under test creates and migrates it. */
  public String database() {
    return database;
  }

  public ClickHouseClient client() {
    return new ClickHouseClient(url, database, Duration.ofSeconds(30));
  }
}
