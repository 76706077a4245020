package dev.gpilot.jobs.agents;

/**
 * Receives the text of a streaming model call as it arrives: best effort, for {@code step.delta}
 * events. The final step result is the one of record; a delta may be lost or (after a retry)
 * repeated. The {@link AgentCallOperator} gives each call one that emits the deltas from the
 * operator, on the task's thread, to the job's deltas sink.
 *
 * <p>Called on the stream's thread, in order per call, before the call's future completes;
 * implementations must be quick and thread-safe.
 */
@FunctionalInterface
public interface DeltaListener {
  /**
   * @param request the step attempt the call belongs to
   * @param index the delta's position in its call, 0, 1, 2, ...
   * @param text the new text
   */
  void onDelta(StepRequest request, int index, String text);

  DeltaListener NONE = (request, index, text) -> {};
}
