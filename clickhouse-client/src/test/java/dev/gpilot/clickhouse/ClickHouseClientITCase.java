package dev.gpilot.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.testing.ClickHouseTestServer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Scanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client and the migrations against the real ClickHouse server ({@code CLICKHOUSE_URL}). */
class ClickHouseClientITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  @Test
  void migrations_createTheSchemaOnce_andASecondApplyChangesNothing() {
    ClickHouseClient client = CLICKHOUSE.client();
    ClickHouseMigrations.apply(client);
    ClickHouseMigrations.apply(client); // as a second process starting later does

    List<String> listed;
    try (Scanner in =
        new Scanner(
            getClass().getResourceAsStream("/clickhouse/migrations/migrations.txt"),
            StandardCharsets.UTF_8)) {
      listed =
          in.useDelimiter("\\A")
              .next()
              .lines()
              .map(String::strip)
              .filter(l -> !l.isEmpty())
              .toList();
    }
    List<JsonNode> applied =
        client.query("SELECT version, name FROM schema_migrations FINAL ORDER BY version");
    assertThat(applied).extracting(r -> r.get("name").asText()).containsExactlyElementsOf(listed);
    assertThat(client.query("SELECT count() AS n FROM schema_migrations").get(0).get("n").asLong())
        .as("no version recorded twice")
        .isEqualTo(listed.size());
    List<String> tables =
        client.query("SELECT name FROM system.tables WHERE database = currentDatabase()").stream()
            .map(r -> r.get("name").asText())
            .toList();
    assertThat(tables)
        .contains(
            "missions",
            "mission_events",
            "audit_events",
            "cost_records",
            "cost_rollup_1m",
            "price_versions",
            "wallet_ledger");
  }

  @Test
  void rows_goInAndComeBack_andLiteralsMatchTextWithQuotesAndNewlines() {
    ClickHouseClient client = CLICKHOUSE.client();
    client.withDatabase(null).execute("CREATE DATABASE IF NOT EXISTS " + client.database());
    client.execute("CREATE TABLE notes (id UInt64, text String) ENGINE = MergeTree ORDER BY id");
    String tricky = "it's a \\ back'slash\nand a newline\t\0";
    String rows = "{\"id\":1,\"text\":\"plain\"}\n{\"id\":2,\"text\":" + json(tricky) + "}\n";
    client.insert(
        "notes", List.of("id", "text"), "JSONEachRow", rows.getBytes(StandardCharsets.UTF_8));

    List<JsonNode> found =
        client.query("SELECT id, text FROM notes WHERE text = " + ClickHouseClient.literal(tricky));
    assertThat(found).hasSize(1);
    assertThat(found.get(0).get("id").asLong()).isEqualTo(2);
    assertThat(found.get(0).get("text").asText()).isEqualTo(tricky);
    assertThat(
            client.query(
                "SELECT id FROM notes WHERE text = " + ClickHouseClient.literal("' OR 1 = 1 OR '")))
        .as("an injection attempt stays a string")
        .isEmpty();
    assertThat(client.query("SELECT id FROM notes ORDER BY id")).hasSize(2);
  }

  @Test
  void anEmptyInsert_sendsNothing() {
    CLICKHOUSE.client().insert("no_such_table", List.of(), "JSONEachRow", new byte[0]);
  }

  @Test
  void aMissingTableOrDatabase_isNamedByItsCode_andNotRetriable() {
    ClickHouseClient client = CLICKHOUSE.client();
    client.withDatabase(null).execute("CREATE DATABASE IF NOT EXISTS " + client.database());
    assertThatThrownBy(() -> client.query("SELECT * FROM no_such_table"))
        .asInstanceOf(type(ClickHouseException.class))
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(ClickHouseException.UNKNOWN_TABLE);
              assertThat(e.unknownTableOrDatabase()).isTrue();
              assertThat(e.retriable()).isFalse();
              assertThat(e.getMessage())
                  .startsWith("ClickHouse answered ")
                  .contains("no_such_table");
            });
    assertThatThrownBy(() -> client.withDatabase("gpilot_no_such_database").query("SELECT 1 AS x"))
        .asInstanceOf(type(ClickHouseException.class))
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(ClickHouseException.UNKNOWN_DATABASE);
              assertThat(e.unknownTableOrDatabase()).isTrue();
            });
  }

  @Test
  void badSql_isNotRetriable() {
    assertThatThrownBy(() -> CLICKHOUSE.client().withDatabase(null).query("SELEKT 1"))
        .asInstanceOf(type(ClickHouseException.class))
        .satisfies(
            e -> {
              assertThat(e.retriable()).as("a retry would fail the same way").isFalse();
              assertThat(e.code()).isPositive();
              assertThat(e.unknownTableOrDatabase()).isFalse();
            });
  }

  @Test
  void anUnreachableServer_isRetriable_andFailsItsPing() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ClickHouseClient gone =
        new ClickHouseClient("http://127.0.0.1:" + port, "x", Duration.ofSeconds(5));
    assertThat(gone.ping()).isFalse();
    assertThatThrownBy(() -> gone.execute("SELECT 1"))
        .asInstanceOf(type(ClickHouseException.class))
        .satisfies(
            e -> {
              assertThat(e.retriable()).isTrue();
              assertThat(e.code()).isZero();
              assertThat(e.getMessage()).contains("unreachable");
            });
  }

  @Test
  void credentialsInTheUrl_areSentAsHeaders_andKeptByWithDatabase() {
    String url = CLICKHOUSE.url().replace("://", "://default:@");
    ClickHouseClient client = new ClickHouseClient(url, null, Duration.ofSeconds(30));
    assertThat(client.ping()).isTrue();
    assertThat(client.withDatabase("system").query("SELECT currentDatabase() AS d"))
        .singleElement()
        .satisfies(r -> assertThat(r.get("d").asText()).isEqualTo("system"));
    ClickHouseClient wrongPassword =
        new ClickHouseClient(
            CLICKHOUSE.url().replace("://", "://default:wrong@"), null, Duration.ofSeconds(30));
    assertThatThrownBy(() -> wrongPassword.query("SELECT 1 AS x"))
        .isInstanceOf(ClickHouseException.class)
        .hasMessageContaining("password");
  }

  private static String json(String text) {
    return dev.gpilot.contracts.json.Json.mapper().valueToTree(text).toString();
  }
}
