package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.jobs.agents.StepRequest;
import java.util.List;
import java.util.Map;

/**
 * What one input did to a mission, for the scheduler to apply: what to emit, which timers to set,
 * and exactly the state that changed (nothing else is written).
 *
 * @param events mission events in seq order (main output)
 * @param requests step attempts to start (side output)
 * @param summaries mission summaries (side output)
 * @param timers processing-time timers to register (epoch ms); a timer that fires late or for
 *     nothing is harmless
 * @param header the new header, or null if unchanged
 * @param definition the new definition, or null if unchanged
 * @param steps the steps that changed, by id (new entries included)
 * @param outputs step outputs to store, by id
 * @param clear whether to drop everything the mission has in state (its retention ended)
 * @param dropped whether the input was dropped as a duplicate or stale (counted as {@code
 *     duplicatesDropped})
 */
public record Transition(
    List<MissionEvent> events,
    List<StepRequest> requests,
    List<MissionSummary> summaries,
    List<Long> timers,
    MissionHeader header,
    MissionDefinition definition,
    Map<String, StepState> steps,
    Map<String, JsonNode> outputs,
    boolean clear,
    boolean dropped) {

  static final Transition NOTHING =
      new Transition(
          List.of(), List.of(), List.of(), List.of(), null, null, Map.of(), Map.of(), false, false);
  static final Transition DROPPED =
      new Transition(
          List.of(), List.of(), List.of(), List.of(), null, null, Map.of(), Map.of(), false, true);
  static final Transition CLEAR =
      new Transition(
          List.of(), List.of(), List.of(), List.of(), null, null, Map.of(), Map.of(), true, false);
}
