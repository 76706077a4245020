package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cost pipeline's settings from the job's environment (SPEC.md section 8), and what bad ones
 * are told.
 */
class CostOptionsTest {
  @Test
  void withoutSettings_costsRunWithTheDocumentedEventTimeBounds() {
    CostOptions defaults = CostOptions.fromEnv(Map.of());
    assertThat(defaults.enabled()).isTrue();
    assertThat(defaults.outOfOrderness()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.allowedLateness()).isEqualTo(Duration.ofMinutes(10));
    assertThat(defaults.dedupeRetention())
        .as("longer than a mission may run")
        .isGreaterThan(Duration.ofDays(7));
    assertThat(CostOptions.DEFAULTS).isEqualTo(defaults);
  }

  @Test
  void theVariables_setTheBounds_andCostsCanBeTurnedOff() {
    CostOptions options =
        CostOptions.fromEnv(
            Map.of(
                "GPILOT_COSTS",
                " OFF ",
                "GPILOT_COST_OUT_OF_ORDERNESS_MS",
                "0",
                "GPILOT_COST_IDLE_TIMEOUT_MS",
                " 250 ",
                "GPILOT_COST_ALLOWED_LATENESS_MS",
                "",
                "GPILOT_UNRELATED",
                "x"));
    assertThat(options.enabled()).isFalse();
    assertThat(options.outOfOrderness()).isZero();
    assertThat(options.idleTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(options.allowedLateness()).as("blank is unset").isEqualTo(Duration.ofMinutes(10));
    assertThat(options.withEnabled(true).enabled()).isTrue();
  }

  @Test
  void badValues_nameTheirVariable() {
    assertThatThrownBy(() -> CostOptions.fromEnv(Map.of("GPILOT_COSTS", "maybe")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GPILOT_COSTS must be on or off, got 'maybe'");
    assertThatThrownBy(() -> CostOptions.fromEnv(Map.of("GPILOT_COST_IDLE_TIMEOUT_MS", "10s")))
        .hasMessage("GPILOT_COST_IDLE_TIMEOUT_MS must be an integer, got '10s'");
    assertThatThrownBy(() -> CostOptions.fromEnv(Map.of("GPILOT_COST_IDLE_TIMEOUT_MS", "0")))
        .hasMessageStartingWith("GPILOT_COST_IDLE_TIMEOUT_MS must be > 0");
    assertThatThrownBy(() -> CostOptions.fromEnv(Map.of("GPILOT_COST_OUT_OF_ORDERNESS_MS", "-1")))
        .hasMessageStartingWith("GPILOT_COST_OUT_OF_ORDERNESS_MS must be >= 0");
    assertThatThrownBy(() -> CostOptions.fromEnv(Map.of("GPILOT_COST_ALLOWED_LATENESS_MS", "-5")))
        .hasMessageStartingWith("GPILOT_COST_ALLOWED_LATENESS_MS must be >= 0");
  }

  @Test
  void theBuiltOptions_refuseAShortDedupeOrNoBatch() {
    CostOptions d = CostOptions.DEFAULTS;
    assertThatThrownBy(
            () ->
                new CostOptions(
                    true,
                    d.outOfOrderness(),
                    d.idleTimeout(),
                    d.allowedLateness(),
                    Duration.ofMinutes(59),
                    d.maxBatchRows(),
                    d.flushInterval()))
        .hasMessageStartingWith("the cost dedupe retention must be at least 1 h");
    assertThatThrownBy(
            () ->
                new CostOptions(
                    true,
                    d.outOfOrderness(),
                    d.idleTimeout(),
                    d.allowedLateness(),
                    d.dedupeRetention(),
                    0,
                    d.flushInterval()))
        .hasMessage("maxBatchRows must be >= 1, got 0");
  }
}
