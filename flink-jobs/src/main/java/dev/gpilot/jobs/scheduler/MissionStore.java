package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One mission's state as {@link MissionMachine} reads it: piece by piece, so an input reads only
 * what it needs (a delta: the header and its step). The scheduler implements it over Flink keyed
 * state; tests over maps. The machine never changes what it reads; its changes come back in a
 * {@link Transition}.
 */
public interface MissionStore {
  /** The header, or null for a mission not (or no longer) known. */
  MissionHeader header();

  /** The definition; present whenever the header is. */
  MissionDefinition definition();

  /** A step's state, or null if the mission has no such step. */
  StepState step(String stepId);

  /** A succeeded step's output, or null. */
  JsonNode output(String stepId);
}
