package dev.gpilot.api.analytics;

import static dev.gpilot.api.analytics.RangePlan.DAY;
import static dev.gpilot.api.analytics.RangePlan.HOUR;
import static dev.gpilot.api.analytics.RangePlan.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.analytics.RangePlan.Plan;
import dev.gpilot.api.analytics.RangePlan.Segment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RangePlanTest {
  private static final long D0 = 20_000 * DAY; // a UTC midnight

  /** Every hour of {@code days} days from D0 touched at 1000 and sealed at both levels. */
  private static Map<Long, Long> touched(int days) {
    Map<Long, Long> t = new HashMap<>();
    for (long h = D0; h < D0 + days * DAY; h += HOUR) {
      t.put(h, 1000L);
    }
    return t;
  }

  private static Map<Long, Map<Long, Long>> sealedAll(int days) {
    Map<Long, Map<Long, Long>> s = new HashMap<>();
    for (long h = D0; h < D0 + days * DAY; h += HOUR) {
      s.computeIfAbsent(HOUR, k -> new HashMap<>()).put(h, 1000L);
    }
    for (long d = D0; d < D0 + days * DAY; d += DAY) {
      s.computeIfAbsent(DAY, k -> new HashMap<>()).put(d, 1000L);
    }
    return s;
  }

  private static void assertPartition(Plan plan, long from, long to) {
    long cursor = from;
    for (Segment s : plan.segments()) {
      assertThat(s.from()).isEqualTo(cursor);
      assertThat(s.from() % s.level()).isZero();
      assertThat(s.to() % s.level() == 0 || s.to() == to).isTrue();
      cursor = s.to();
    }
    assertThat(cursor).isEqualTo(to);
  }

  @Test
  void wholeSealedDaysAndHours_comeFromTheCoarseLevels_theRaggedEdgesFromMinutes() {
    long from = D0 + 23 * HOUR - 5 * 60; // 22:55 on day 0
    long to = D0 + 3 * DAY + 2 * HOUR + 10 * 60; // 02:10 on day 3
    Plan plan = RangePlan.plan(from, to, DAY, touched(4), sealedAll(4), 48);

    assertPartition(plan, from, to);
    assertThat(plan.segments())
        .containsExactly(
            new Segment(MINUTE, from, D0 + 23 * HOUR),
            new Segment(HOUR, D0 + 23 * HOUR, D0 + DAY),
            new Segment(DAY, D0 + DAY, D0 + 3 * DAY),
            new Segment(HOUR, D0 + 3 * DAY, D0 + 3 * DAY + 2 * HOUR),
            new Segment(MINUTE, D0 + 3 * DAY + 2 * HOUR, to));
    assertThat(plan.stale()).isFalse();
  }

  @Test
  void aSeriesBucketCapsTheLevel() {
    Plan hourly = RangePlan.plan(D0, D0 + 2 * DAY, HOUR, touched(2), sealedAll(2), 48);
    assertThat(hourly.segments()).containsExactly(new Segment(HOUR, D0, D0 + 2 * DAY));
    Plan minutes = RangePlan.plan(D0, D0 + 2 * DAY, MINUTE, touched(2), sealedAll(2), 48);
    assertThat(minutes.segments()).containsExactly(new Segment(MINUTE, D0, D0 + 2 * DAY));
  }

  @Test
  void anHourTouchedAfterItsSeal_isReadFromMinutes_andItsDayFromHours_andTheSealerIsBehind() {
    Map<Long, Long> touched = touched(2);
    touched.put(D0 + 5 * HOUR, 2000L); // a straggler after the seals
    Plan plan = RangePlan.plan(D0, D0 + 2 * DAY, DAY, touched, sealedAll(2), 48);

    assertPartition(plan, D0, D0 + 2 * DAY);
    assertThat(plan.segments())
        .containsExactly(
            new Segment(HOUR, D0, D0 + 5 * HOUR),
            new Segment(MINUTE, D0 + 5 * HOUR, D0 + 6 * HOUR),
            new Segment(HOUR, D0 + 6 * HOUR, D0 + DAY),
            new Segment(DAY, D0 + DAY, D0 + 2 * DAY));
    assertThat(plan.stale()).isTrue();
  }

  @Test
  void hoursWithoutATouch_orWithoutASeal_areReadFromMinutes() {
    Map<Long, Long> touched = touched(1);
    touched.remove(D0 + 2 * HOUR); // rows from before the touches were recorded, or none
    Map<Long, Map<Long, Long>> seals = sealedAll(1);
    seals.get(HOUR).remove(D0 + 4 * HOUR);
    seals.get(DAY).clear();
    Plan plan = RangePlan.plan(D0, D0 + DAY, DAY, touched, seals, 48);

    assertPartition(plan, D0, D0 + DAY);
    assertThat(plan.of(MINUTE))
        .containsExactly(
            new Segment(MINUTE, D0 + 2 * HOUR, D0 + 3 * HOUR),
            new Segment(MINUTE, D0 + 4 * HOUR, D0 + 5 * HOUR));
    assertThat(plan.of(DAY)).isEmpty();
    assertThat(plan.stale()).isTrue(); // hour 4 is touched and could be sealed
  }

  @Test
  void manyMinuteSegments_areCappedByReadingTheSmallestGapsFromMinutes() {
    Map<Long, Long> touched = touched(2);
    Map<Long, Map<Long, Long>> seals = sealedAll(2);
    seals.get(DAY).clear();
    for (long h = D0; h < D0 + 2 * DAY; h += 2 * HOUR) {
      seals.get(HOUR).remove(h); // every other hour unsealed: 24 minute segments
    }
    Plan plan = RangePlan.plan(D0, D0 + 2 * DAY, DAY, touched, seals, 5);

    assertPartition(plan, D0, D0 + 2 * DAY);
    assertThat(plan.of(MINUTE)).hasSize(5);
    List<Segment> all = plan.segments();
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).level()).isNotEqualTo(all.get(i - 1).level()); // merged
    }
  }

  @Test
  void aRangeWithinOneHour_isMinutesOnly() {
    Plan plan = RangePlan.plan(D0 + 60, D0 + 600, DAY, touched(1), sealedAll(1), 48);
    assertThat(plan.segments()).containsExactly(new Segment(MINUTE, D0 + 60, D0 + 600));
  }
}
