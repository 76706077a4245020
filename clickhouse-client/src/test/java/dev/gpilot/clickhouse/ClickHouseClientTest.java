package dev.gpilot.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClickHouseClientTest {
  @Test
  void errorCode_comesFromTheHeader_orTheMessageOfEitherServerVersion() {
    assertThat(
            ClickHouseClient.errorCode(
                null,
                "Code: 81, e.displayText() = DB::Exception: Database gpilot doesn't exist, e.what() = DB::Exception"))
        .as("18.16")
        .isEqualTo(ClickHouseException.UNKNOWN_DATABASE);
    assertThat(
            ClickHouseClient.errorCode(
                null,
                "Code: 60. DB::Exception: Table gpilot.mission_events does not exist. (UNKNOWN_TABLE) (version 24.8.4.13)"))
        .as("current")
        .isEqualTo(ClickHouseException.UNKNOWN_TABLE);
    assertThat(ClickHouseClient.errorCode("81", "Code: 60. whatever"))
        .as("the header wins")
        .isEqualTo(81);
    assertThat(ClickHouseClient.errorCode(null, "Bad Gateway")).isZero();
    assertThat(ClickHouseClient.errorCode(null, "DB::Exception: see Code: 81"))
        .as("only at the start")
        .isZero();
  }

  @Test
  void literals_cannotBeLeft_byQuotesBackslashesOrControlCharacters() {
    assertThat(ClickHouseClient.literal("a'b\\c")).isEqualTo("'a\\'b\\\\c'");
    assertThat(ClickHouseClient.literal("x\n\r\t\0y")).isEqualTo("'x\\n\\r\\t\\0y'");
  }
}
