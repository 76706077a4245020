package dev.gpilot.contracts.json;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What every event record carries in its JSON before its own fields (SPEC.md section 3): {@code
 * type}, the schema {@code version} and a stable {@code id} (a re-sent record has the same one, so
 * consumers dedupe by it). The annotations here are inherited by the records' accessors; each
 * record names the order with {@code @JsonPropertyOrder}.
 */
public interface Envelope {
  /** What the record is ({@code mission.submitted}, {@code step.result}, ...). */
  @JsonProperty("type")
  String type();

  /** The version of the record's schema: 1 for every record so far. */
  @JsonProperty("version")
  default int version() {
    return 1;
  }

  /** The record's stable id. */
  @JsonProperty("id")
  String id();
}
