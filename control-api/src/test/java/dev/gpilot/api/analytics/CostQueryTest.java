package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.cost.CostRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CostQueryTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:30Z");

  private static CostQuery parse(String from, String to) {
    return CostQuery.parse("default", from, to, null, null, NOW);
  }

  private static void outOfRange(String from, String to) {
    assertThatThrownBy(() -> parse(from, to))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z");
  }

  @Test
  void instantsOutsideClickHouseDateTime_are400NamingTheAllowedRange() {
    outOfRange("+300000000-01-01T00:00:00Z", "+300000000-06-01T00:00:00Z");
    outOfRange("2106-02-07T06:28:16Z", "2106-02-08T00:00:00Z");
    outOfRange("1969-12-31T23:59:59Z", "1970-01-01T01:00:00Z");
    outOfRange(null, "-1000000-01-01T00:00:00Z");
  }

  @Test
  void theEdgesOfTheRange_areAccepted_andTheRoundedRangeStaysInsideIt() {
    CostQuery last = parse("2106-02-07T00:00:00Z", "2106-02-07T06:28:15Z");
    assertThat(last.to().toEpochMilli()).isLessThanOrEqualTo(CostRecord.MAX_EPOCH_MS);
    assertThat(last.to()).isAfter(Instant.parse("2106-02-07T06:28:00Z"));

    CostQuery first = parse(null, "1970-01-01T10:00:00Z");
    assertThat(first.from())
        .as("the default day back, cut at the start of the range")
        .isEqualTo(Instant.EPOCH);
  }
}
