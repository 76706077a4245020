package dev.gpilot.api.tenancy;

import dev.gpilot.api.kafka.TopicFollower;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code gpilot.budget-status.v1} (compacted; written by the MissionJob's budget gate) from the beginning:
 * where each budget stands, for {@code GET /api/v1/budgets}. No consumer group: every API instance reads it all.
 */
final class BudgetStatusFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BudgetStatusFeed.class);

  private final Map<String, BudgetStatus> byKey = new ConcurrentHashMap<>();
  private final JsonCodec<BudgetStatus> codec = JsonCodec.of(BudgetStatus.class);
  private final TopicFollower follower;

  BudgetStatusFeed(String bootstrapServers) {
    this.follower = new TopicFollower("budget-status-feed", bootstrapServers,
        Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50"), List.of(Topics.BUDGET_STATUS), this::apply,
        () -> LOG.info("budget-status feed caught up: {} budgets", byKey.size()));
  }

  void start() {
    follower.start();
  }

  /** The newest status of a budget, if the job has written one. */
  Optional<BudgetStatus> status(String workspaceId, String budgetId) {
    return Optional.ofNullable(byKey.get(workspaceId + "/" + budgetId));
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      if (record.key() != null) {
        byKey.remove(record.key());
      }
      return;
    }
    try {
      BudgetStatus status = codec.decode(record.value());
      // Keep the newest: statuses of one budget come in order (one partition), a re-sent one may repeat an older.
      byKey.merge(status.key(), status, (held, next) -> next.updatedAt() >= held.updatedAt() ? next : held);
    } catch (CodecException e) {
      LOG.warn("skipping invalid budget status {}@{}: {}", record.partition(), record.offset(), e.getMessage());
    }
  }

  @Override
  public void close() throws InterruptedException {
    follower.close();
  }
}
