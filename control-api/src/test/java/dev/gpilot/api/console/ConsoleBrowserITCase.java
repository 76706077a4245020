package dev.gpilot.api.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.stack.GpilotStack;
import dev.gpilot.testing.ClickHouseTestServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core) against the
 * stack as {@code ./gpilot up} runs it: {@code console/e2e/run.mjs} checks every acceptance line of
 * the console (sign in, launch and the live log, missions list, DAG, cost analytics, vault,
 * workspace (members, keys, switcher, budgets, wallet, what a role sees), phone widths, keyboard,
 * axe-core, console errors) and saves screenshots of every page under {@code
 * control-api/target/console-screenshots}.
 */
class ConsoleBrowserITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("GPILOT_CHROMIUM", "/usr/bin/chromium"));

  private static GpilotStack stack;

  @BeforeAll
  static void up() throws Exception {
    assertThat(CHROMIUM)
        .as("Chromium for the browser tests (./gpilot test installs it: apt-get install chromium)")
        .exists();
    stack = GpilotStack.create("stack-console", CLICKHOUSE, Map.of("GPILOT_SIM_LATENCY_MS", "300"));
    stack.up();
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyAcceptanceLine_passesInChromium_withScreenshotsOfEveryPage() throws Exception {
    Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    Path console = root.resolve("console");
    Path screenshots = Path.of("target", "console-screenshots").toAbsolutePath();
    Path log = Files.createTempFile(stack.home(), "console-e2e-", ".out");
    ProcessBuilder builder =
        new ProcessBuilder("node", "e2e/run.mjs")
            .directory(console.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().put("GPILOT_URL", stack.api("").toString());
    builder.environment().put("GPILOT_TOKEN", stack.token());
    builder.environment().put("GPILOT_STANDIN_URL", stack.standin("").toString());
    builder.environment().put("GPILOT_SCREENSHOTS", screenshots.toString());
    builder.environment().put("GPILOT_CHROMIUM", CHROMIUM.toString());
    Process node = builder.start();
    boolean done = node.waitFor(Duration.ofMinutes(15).toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      node.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);

    assertThat(done).as("the browser tests did not finish in 15 minutes:\n" + output).isTrue();
    assertThat(node.exitValue()).as(output + "\n" + stack.logTails()).isZero();
    assertThat(output).doesNotContain("FAIL ").contains("0 failed");
    for (String page :
        new String[] {
          "signin-desktop",
          "launch-done-desktop",
          "missions-desktop",
          "dag-desktop",
          "dag-200-steps",
          "analytics-desktop",
          "vault-desktop",
          "launch-phone",
          "missions-phone",
          "dag-phone",
          "analytics-phone",
          "vault-phone",
          "signin-phone",
          "workspace-desktop",
          "workspace-viewer",
          "workspace-phone",
          "workspace-budgets",
          "workspace-wallet",
          "workspace-wallet-phone",
          "workspace-viewer-budgets"
        }) {
      assertThat(screenshots.resolve(page + ".png")).as("screenshot " + page).isNotEmptyFile();
    }
  }
}
