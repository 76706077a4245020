package dev.gpilot.api.tenancy;

import dev.gpilot.api.kafka.CompactedTopicFeed;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.budget.BudgetStatus;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Follows {@code gpilot.budget-status.v1} (compacted; written by the MissionJob's budget gate) from
 * the beginning: where each budget stands, for {@code GET /api/v1/budgets}. No consumer group:
 * every API instance reads it all.
 */
final class BudgetStatusFeed extends CompactedTopicFeed<BudgetStatus> {
  private final Map<String, BudgetStatus> byKey = new ConcurrentHashMap<>();

  BudgetStatusFeed(String bootstrapServers) {
    super(
        "budget-status feed",
        bootstrapServers,
        Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50"),
        Topics.BUDGET_STATUS,
        BudgetStatus.class,
        "budget status");
  }

  /** The newest status of a budget, if the job has written one. */
  Optional<BudgetStatus> status(String workspaceId, String budgetId) {
    return Optional.ofNullable(byKey.get(workspaceId + "/" + budgetId));
  }

  @Override
  protected void put(BudgetStatus status) {
    // Keep the newest: statuses of one budget come in order (one partition), a re-sent one may
    // repeat an older.
    byKey.merge(
        status.key(), status, (held, next) -> next.updatedAt() >= held.updatedAt() ? next : held);
  }

  @Override
  protected void remove(String key) {
    byKey.remove(key);
  }

  @Override
  protected String summary() {
    return byKey.size() + " budgets";
  }
}
