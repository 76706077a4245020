package dev.gpilot.testing;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The build's coverage agent (JaCoCo's {@code prepare-agent}) for the JVMs a test starts: a replay
 * or an API instance run in a process of its own counts in the module's report ({@code
 * target/jacoco.exec}, appended by every JVM on exit) like code run in the test's JVM. Without
 * coverage ({@code -Djacoco.skip}) there is nothing to pass.
 */
public final class CoverageAgent {
  private CoverageAgent() {}

  /**
   * This JVM's JaCoCo {@code -javaagent:} argument, for a child's command line; empty when it has
   * none.
   */
  public static List<String> childArguments() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-javaagent:") && a.contains("jacoco"))
        .toList();
  }
}
