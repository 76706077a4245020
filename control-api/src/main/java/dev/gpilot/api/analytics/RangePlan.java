package dev.gpilot.api.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which rollup level answers which part of a range (SPEC.md section 8, "Coarser rollups"): whole
 * UTC days and hours whose seal is current come from {@code cost_rollup_1d} / {@code
 * cost_rollup_1h}, everything else (the ragged edges, hours changed since their seal, hours never
 * sealed or without a recorded touch) from {@code cost_rollup_1m}. The segments partition the
 * range: every minute is read from exactly one level. Pure, so it is unit-tested.
 */
final class RangePlan {
  static final long MINUTE = 60;
  static final long HOUR = 3_600;
  static final long DAY = 86_400;

  /** One part of the range read from one level: {@code [from, to)}, whole windows of that level. */
  record Segment(long level, long from, long to) {}

  /**
   * @param segments in time order, adjacent segments of the same level merged
   * @param stale whether a whole hour of the range could be sealed (again) but is not: the sealer
   *     is behind
   */
  record Plan(List<Segment> segments, boolean stale) {
    List<Segment> of(long level) {
      return segments.stream().filter(s -> s.level() == level).toList();
    }
  }

  private RangePlan() {}

  /**
   * @param from whole minute, inclusive
   * @param to whole minute, exclusive
   * @param maxLevel the coarsest level allowed ({@link #MINUTE}, {@link #HOUR} or {@link #DAY}; a
   *     cost series reads no level coarser than its bucket)
   * @param touched the newest touch (epoch second) of each hour (epoch second) that has one
   * @param seals per level, the touch each sealed window (epoch second) covers
   * @param maxMinuteSegments at most this many separate minute segments: beyond, the smallest gaps
   *     between them are read from minutes too (one key range per segment in the query)
   */
  static Plan plan(
      long from,
      long to,
      long maxLevel,
      Map<Long, Long> touched,
      Map<Long, Map<Long, Long>> seals,
      int maxMinuteSegments) {
    List<Segment> segments = new ArrayList<>();
    boolean stale = false;
    long cursor = from;
    while (cursor < to) {
      if (maxLevel >= DAY
          && cursor % DAY == 0
          && cursor + DAY <= to
          && clean(DAY, cursor, touched, seals)) {
        add(segments, new Segment(DAY, cursor, cursor + DAY));
        cursor += DAY;
        continue;
      }
      if (maxLevel >= HOUR && cursor % HOUR == 0 && cursor + HOUR <= to) {
        if (clean(HOUR, cursor, touched, seals)) {
          add(segments, new Segment(HOUR, cursor, cursor + HOUR));
          cursor += HOUR;
          continue;
        }
        stale |= touched.containsKey(cursor);
      }
      long next = Math.min(to, Math.floorDiv(cursor, HOUR) * HOUR + HOUR);
      add(segments, new Segment(MINUTE, cursor, next));
      cursor = next;
    }
    return new Plan(cap(segments, Math.max(1, maxMinuteSegments)), stale);
  }

  /** A window is read from its level when its seal covers its newest touch (and it has one). */
  private static boolean clean(
      long level, long window, Map<Long, Long> touched, Map<Long, Map<Long, Long>> seals) {
    Long newest = null;
    for (long hour = window; hour < window + level; hour += HOUR) {
      Long t = touched.get(hour);
      if (t != null && (newest == null || t > newest)) {
        newest = t;
      }
    }
    if (newest == null) {
      return false; // no touch recorded: rows written before the touches were (read them from
      // minutes)
    }
    Long sealed = seals.getOrDefault(level, Map.of()).get(window);
    return sealed != null && sealed.longValue() == newest.longValue();
  }

  private static void add(List<Segment> segments, Segment s) {
    if (!segments.isEmpty()) {
      Segment last = segments.get(segments.size() - 1);
      if (last.level() == s.level() && last.to() == s.from()) {
        segments.set(segments.size() - 1, new Segment(s.level(), last.from(), s.to()));
        return;
      }
    }
    segments.add(s);
  }

  /**
   * Reads the smallest gaps between minute segments from minutes too until at most {@code max} are
   * left.
   */
  private static List<Segment> cap(List<Segment> segments, int max) {
    List<Segment> out = new ArrayList<>(segments);
    for (; ; ) {
      List<Integer> minutes = new ArrayList<>();
      for (int i = 0; i < out.size(); i++) {
        if (out.get(i).level() == MINUTE) {
          minutes.add(i);
        }
      }
      if (minutes.size() <= max) {
        return out;
      }
      int best = -1;
      long bestGap = Long.MAX_VALUE;
      for (int k = 1; k < minutes.size(); k++) {
        long gap = out.get(minutes.get(k)).from() - out.get(minutes.get(k - 1)).to();
        if (gap < bestGap) {
          bestGap = gap;
          best = k;
        }
      }
      int a = minutes.get(best - 1);
      int b = minutes.get(best);
      Segment merged = new Segment(MINUTE, out.get(a).from(), out.get(b).to());
      out.subList(a, b + 1).clear();
      out.add(a, merged);
    }
  }
}
