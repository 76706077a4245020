package dev.gpilot.api.missions;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.BilledAttempt;
import dev.gpilot.contracts.events.MissionEnded;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a mission's attempts used and cost, added up from its billed events ({@code step.retrying},
 * {@code step.completed}, {@code step.failed}; each event once): the one projection of a mission's
 * spend that {@code GET /api/v1/missions/{id}} ({@link MissionView}) and its streams ({@code
 * UiMessageMapper}) both show. Money in micro-credits, summed exactly. Not thread-safe.
 */
public final class MissionSpend {
  /** Where an attempt's event names no agent (an older writer's). */
  static final String UNKNOWN_AGENT = "unknown";

  private Usage usage = Usage.ZERO;
  private long costMicros;
  private final Map<String, Long> agentCosts = new TreeMap<>();
  private final Set<String> models = new LinkedHashSet<>();
  private Long recordedTotalMicros;

  /** Adds a finished attempt: its usage, its cost (none counts 0), its agent, its model. */
  public void add(BilledAttempt e) {
    long cost = e.costMicros() == null ? 0 : e.costMicros();
    if (e.usage() != null) {
      usage = usage.plus(e.usage());
    }
    costMicros = Math.addExact(costMicros, cost);
    agentCosts.merge(e.agent() == null ? UNKNOWN_AGENT : e.agent(), cost, Math::addExact);
    if (e.model() != null) {
      models.add(e.model());
    }
  }

  /**
   * The mission's final event: the job's total on it, when it carries one, is the one of record.
   */
  public void ended(MissionEnded e) {
    if (e.costMicros() != null) {
      recordedTotalMicros = e.costMicros();
    }
  }

  public Usage usage() {
    return usage;
  }

  /** The attempts' costs summed: what {@link #agentCosts()} adds up to. */
  public long attemptsMicros() {
    return costMicros;
  }

  /**
   * The mission's cost: the job's total once the final event gave it (it also counts attempts whose
   * events this reader never saw), else the attempts' sum so far.
   */
  public long totalMicros() {
    return recordedTotalMicros != null ? recordedTotalMicros : costMicros;
  }

  /** Each agent that finished an attempt (0 included), by name. */
  public Map<String, Long> agentCosts() {
    return Collections.unmodifiableMap(agentCosts);
  }

  /** The distinct models that ran its attempts, in the order they first did. */
  public Set<String> models() {
    return Collections.unmodifiableSet(models);
  }
}
