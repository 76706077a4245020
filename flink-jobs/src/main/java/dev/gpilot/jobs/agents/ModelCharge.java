package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.cost.Usage;
import java.util.Objects;

/**
 * What the model calls of one step attempt used and cost: the fields {@code model, usage,
 * costMicros, priceVersion} of its {@link dev.gpilot.contracts.step.StepResult}.
 *
 * @param model the model that answered, as it reported itself ({@code modelVersion}), else the
 *     model asked for
 * @param usage the tokens of all the attempt's calls (a repair retry adds its call)
 * @param costMicros their cost in micro-credits, rounded once per attempt
 * @param priceVersion the price table entry used, {@code <tableVersion>/<entryId>}
 */
public record ModelCharge(String model, Usage usage, long costMicros, String priceVersion) {
  public ModelCharge {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(usage, "usage");
    if (costMicros < 0) {
      throw new IllegalArgumentException("costMicros cannot be negative");
    }
  }
}
