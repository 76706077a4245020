package dev.gpilot.api.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's CPU time from {@code /proc/stat} (every process: the JVM, ClickHouse, the
 * kernel), in ticks of {@value #TICK_MS} ms: how busy a benchmark kept the machine, and what it
 * cost all told.
 */
public record MachineCpu(long busy, long idle, long steal) {
  static final long TICK_MS = 10;

  public static MachineCpu now() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      long steal = Long.parseLong(f[8]);
      long busy =
          Long.parseLong(f[1])
              + Long.parseLong(f[2])
              + Long.parseLong(f[3])
              + Long.parseLong(f[6])
              + Long.parseLong(f[7]);
      return new MachineCpu(busy, idle, steal);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * CPU ticks (user and system) of the processes named {@code comm} (as {@code /proc/PID/comm} has
   * it).
   */
  static long processTicks(String comm) {
    long ticks = 0;
    try (var processes = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) processes::iterator) {
        if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (Files.readString(p.resolve("comm")).trim().equals(comm)) {
            String stat = Files.readString(p.resolve("stat"));
            // After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (IOException gone) {
          // The process ended meanwhile.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ticks;
  }

  public Usage since(MachineCpu earlier) {
    return new Usage(busy - earlier.busy, idle - earlier.idle, steal - earlier.steal);
  }

  /** CPU ticks over an interval, summed over all cores. */
  public record Usage(long busy, long idle, long steal) {
    double busyMs() {
      return busy * TICK_MS;
    }

    public double busyPercent() {
      return 100.0 * busy / Math.max(1, busy + idle + steal);
    }

    double stealPercent() {
      return 100.0 * steal / Math.max(1, busy + idle + steal);
    }
  }
}
