package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a mission's ready steps run: all at once, or one at a time in topological order. */
public enum Execution {
  @JsonProperty("parallel")
  PARALLEL,
  @JsonProperty("sequential")
  SEQUENTIAL
}
