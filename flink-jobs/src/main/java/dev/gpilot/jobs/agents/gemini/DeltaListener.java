package dev.gpilot.jobs.agents.gemini;

import dev.gpilot.jobs.agents.StepRequest;

/**
 * Receives the text of a streaming model call as it arrives: best effort, for {@code step.delta}
 * events. The final step result is the one of record; a delta may be lost or (after a retry)
 * repeated.
 *
 * <p>Called on the stream's thread, in order per call; implementations must be quick and
 * thread-safe.
 */
@FunctionalInterface
public interface DeltaListener {
  /**
   * @param request the step attempt the call belongs to
   * @param index the delta's position in its call, 0, 1, 2, ...
   * @param text the new text
   */
  void onDelta(StepRequest request, int index, String text);

  /**
   * Called when a streaming call has ended, before its result is handed on: a listener that sends
   * deltas somewhere waits (briefly) here until they are out, so that they come before the step's
   * result.
   */
  default void flush(StepRequest request) {}

  DeltaListener NONE = (request, index, text) -> {};
}
