package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a failed step does to its mission. {@code fail-fast}: the mission fails at once and its
 * other steps are cancelled. {@code continue}: independent branches go on, dependents of the failed
 * step are skipped, and the mission ends FAILED once nothing more can run.
 */
public enum FailurePolicy {
  @JsonProperty("fail-fast")
  FAIL_FAST,
  @JsonProperty("continue")
  CONTINUE
}
