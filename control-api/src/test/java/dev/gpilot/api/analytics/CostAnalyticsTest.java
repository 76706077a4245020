package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CostAnalyticsTest {
  private static final long DAY = 86_400;

  @Test
  void split_coversTheRangeInAdjacentPartsThatMeetAtWholeMinutes() {
    long from = 1_700_000_000L / 60 * 60;
    long to = from + 30 * DAY + 60;

    List<long[]> ranges = CostAnalytics.split(from, to, 3);

    assertThat(ranges).hasSize(3);
    assertThat(ranges.get(0)[0]).isEqualTo(from);
    assertThat(ranges.get(2)[1]).isEqualTo(to);
    for (int i = 1; i < ranges.size(); i++) {
      assertThat(ranges.get(i)[0]).isEqualTo(ranges.get(i - 1)[1]);
      assertThat(ranges.get(i)[0] % 60).isZero();
      assertThat(ranges.get(i)[0]).isGreaterThan(ranges.get(i - 1)[0]);
    }
    assertThat(ranges.get(1)[1] - ranges.get(1)[0]).isBetween(10 * DAY - 60, 10 * DAY + 60);
  }

  @Test
  void split_intoOne_orOfFewerMinutesThanParts_keepsWholeMinutesTogether() {
    assertThat(CostAnalytics.split(600, 7200, 1)).containsExactly(new long[] {600, 7200});
    // Two minutes in four parts: at most one boundary, at the minute between them.
    assertThat(CostAnalytics.split(600, 720, 4)).containsExactly(new long[] {600, 660}, new long[] {660, 720});
  }
}
