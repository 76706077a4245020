package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.analytics.RangePlan.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostAnalyticsTest {
  private static final long DAY = 86_400;

  @Test
  void groups_coverTheSegmentsInPartsOfAboutTheSameSpanThatMeetAtWholeMinutes() {
    long from = 1_700_000_000L / 60 * 60;
    long to = from + 30 * DAY + 60;

    List<List<Segment>> groups = CostAnalytics.groups(List.of(new Segment(60, from, to)), 3);

    assertThat(groups).hasSize(3);
    assertThat(groups.get(0).get(0).from()).isEqualTo(from);
    assertThat(groups.get(2).get(0).to()).isEqualTo(to);
    for (int i = 1; i < groups.size(); i++) {
      assertThat(groups.get(i).get(0).from()).isEqualTo(groups.get(i - 1).get(0).to());
      assertThat(groups.get(i).get(0).from() % 60).isZero();
    }
    assertThat(groups.get(1).get(0).to() - groups.get(1).get(0).from())
        .isBetween(10 * DAY - 60, 10 * DAY + 60);
  }

  @Test
  void groups_intoOne_orOfFewerMinutesThanParts_keepWholeMinutesTogether_andSpanSeveralSegments() {
    assertThat(CostAnalytics.groups(List.of(new Segment(60, 600, 7200)), 1))
        .containsExactly(List.of(new Segment(60, 600, 7200)));
    assertThat(CostAnalytics.groups(List.of(new Segment(60, 600, 720)), 4))
        .containsExactly(List.of(new Segment(60, 600, 660)), List.of(new Segment(60, 660, 720)));
    // two segments of 2 and 4 minutes in two groups of 3 minutes: the second segment is cut
    assertThat(CostAnalytics.groups(List.of(new Segment(60, 0, 120), new Segment(60, 600, 840)), 2))
        .containsExactly(
            List.of(new Segment(60, 0, 120), new Segment(60, 600, 660)),
            List.of(new Segment(60, 660, 840)));
    assertThat(CostAnalytics.groups(List.of(), 2)).isEmpty();
  }
}
