package dev.gpilot.api.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * CPU time of this JVM's threads, summed by role: a thread's name without its subtask index and
 * numbering ({@code cost-tagger -> ... (1/2)#0} and {@code (2/2)#0} are one role). Where a run's
 * CPU went, for the bench logs. The JVM's own threads that Java does not list (the JIT compilers,
 * GC workers) and RocksDB's background threads are read from {@code /proc/self/task} and summed as
 * {@code [native] jit}, {@code [native] gc} and {@code [native] rocksdb}.
 */
final class ThreadCpu {
  private static final Pattern NUMBERING =
      Pattern.compile("\\s*\\(\\d+/\\d+\\)(#\\d+)?|[-_ #]?\\d+$");
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<Long, Long> nanosByThread;
  private final Map<Long, String> roleByThread;

  private ThreadCpu(Map<Long, Long> nanosByThread, Map<Long, String> roleByThread) {
    this.nanosByThread = nanosByThread;
    this.roleByThread = roleByThread;
  }

  static ThreadCpu now() {
    Map<Long, Long> nanos = new HashMap<>();
    Map<Long, String> roles = new HashMap<>();
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = THREADS.getThreadCpuTime(info.getThreadId());
      if (cpu >= 0) {
        nanos.put(info.getThreadId(), cpu);
        roles.put(info.getThreadId(), role(info.getThreadName()));
      }
    }
    readNativeThreads(nanos, roles);
    return new ThreadCpu(nanos, roles);
  }

  // Clock ticks of /proc's stat files (USER_HZ, 100 on Linux).
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** Adds the compiler, GC and RocksDB threads, keyed by their negated Linux thread id. */
  private static void readNativeThreads(Map<Long, Long> nanos, Map<Long, String> roles) {
    File[] tasks = new File("/proc/self/task").listFiles();
    if (tasks == null) {
      return;
    }
    for (File task : tasks) {
      try {
        String comm = Files.readString(task.toPath().resolve("comm")).strip();
        String role =
            comm.startsWith("rocksdb:")
                ? "[native] rocksdb"
                : comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")
                    ? "[native] jit"
                    : comm.startsWith("GC Thread") || comm.startsWith("G1 ") ? "[native] gc" : null;
        if (role == null) {
          continue;
        }
        String stat = Files.readString(task.toPath().resolve("stat"));
        // Fields after the command (which may hold spaces, in parentheses): state is the 3rd, utime
        // the 14th.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        long id = -Long.parseLong(task.getName());
        nanos.put(id, ticks * NANOS_PER_TICK);
        roles.put(id, role);
      } catch (IOException | RuntimeException e) {
        // The thread ended while being read: it no longer counts.
      }
    }
  }

  static String role(String threadName) {
    String role = threadName;
    String shorter;
    while (!(shorter = NUMBERING.matcher(role).replaceAll("")).equals(role)) {
      role = shorter;
    }
    return role.length() > 90 ? role.substring(0, 90) + "…" : role;
  }

  /**
   * CPU time per role from {@code earlier} to this snapshot (threads started since count in full).
   */
  Usage since(ThreadCpu earlier) {
    Map<String, Long> byRole = new HashMap<>();
    nanosByThread.forEach(
        (id, cpu) ->
            byRole.merge(
                roleByThread.get(id), cpu - earlier.nanosByThread.getOrDefault(id, 0L), Long::sum));
    return new Usage(byRole);
  }

  /** CPU nanoseconds by thread role over an interval. */
  record Usage(Map<String, Long> nanosByRole) {
    long nanos(Predicate<String> roles) {
      return nanosByRole.entrySet().stream()
          .filter(e -> roles.test(e.getKey()))
          .mapToLong(Map.Entry::getValue)
          .sum();
    }

    /**
     * The {@code top} roles by CPU, largest first, in µs per {@code unit} ({@code units} of them in
     * the interval).
     */
    String top(int top, double units, String unit) {
      return nanosByRole.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(top)
          .map(
              e ->
                  String.format(
                      Locale.ROOT,
                      "  %8.1f µs/%s  %s",
                      e.getValue() / 1e3 / units,
                      unit,
                      e.getKey()))
          .collect(Collectors.joining("\n"));
    }
  }
}
