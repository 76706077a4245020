package dev.gpilot.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A main class of the tests' classpath in a JVM of its own, as a second process of a deployment (or
 * a batch job run beside one) runs it.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * The command that runs {@code main} with {@code args} in a new JVM with this test's classpath, a
   * heap of {@code maxHeap} (e.g. {@code "256m"}) and the serial GC. See {@link #command(Path,
   * List, Class, String...)}.
   */
  public static List<String> command(Path home, String maxHeap, Class<?> main, String... args)
      throws IOException {
    return command(home, List.of("-Xmx" + maxHeap, "-XX:+UseSerialGC"), main, args);
  }

  /**
   * The command that runs {@code main} with {@code args} in a new JVM with this test's classpath
   * and the JVM options {@code jvmOptions}. The child logs WARN and above to its stderr (the caller
   * captures it), not to the test log this JVM writes; its log configuration is written into {@code
   * home}.
   */
  public static List<String> command(
      Path home, List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    Path logConfig = home.resolve("child-log4j2.properties");
    Files.writeString(
        logConfig,
        String.join(
            "\n",
            "rootLogger.level = WARN",
            "rootLogger.appenderRef.out.ref = out",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.target = SYSTEM_ERR",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = %-5p %c{1} %m%n"));
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(CoverageAgent.childArguments()); // its lines count in the module's coverage
    command.addAll(
        List.of(
            "-Dlog4j2.configurationFile=" + logConfig,
            "-cp",
            System.getProperty("java.class.path"),
            main.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * This JVM's {@code --add-opens} and {@code --add-exports} options (Flink's, from the build), for
   * a child that runs Flink.
   */
  public static List<String> moduleOptions() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
        .toList();
  }
}
