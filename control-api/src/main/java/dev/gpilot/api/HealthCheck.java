package dev.gpilot.api;

import dev.gpilot.api.kafka.TopicFollower;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What {@code GET /health} answers: UP only while every feed has caught up with Kafka within {@code
 * staleAfter} and Kafka answers; otherwise the worst of the components (DOWN, else STARTING) with
 * each one's reason.
 */
final class HealthCheck {
  static final String UP = "UP";
  static final String DOWN = "DOWN";
  static final String STARTING = "STARTING";

  /** One part of the API and how it is. */
  record Component(String status, String reason) {}

  /** The overall status and its components. */
  record Report(String status, Map<String, Component> components) {
    boolean up() {
      return status.equals(UP);
    }
  }

  private final Map<String, Supplier<TopicFollower.Health>> feeds;
  private final Duration staleAfter;

  /**
   * @param feeds the feeds by name, as the report names them
   */
  HealthCheck(Map<String, Supplier<TopicFollower.Health>> feeds, Duration staleAfter) {
    this.feeds = Map.copyOf(feeds);
    this.staleAfter = staleAfter;
  }

  Report report() {
    Map<String, Component> components = new LinkedHashMap<>();
    String kafkaProblem = null;
    for (String name : feeds.keySet().stream().sorted().toList()) {
      TopicFollower.Health health = feeds.get(name).get();
      components.put(name, feed(health));
      if (health.kafkaProblem() != null) {
        kafkaProblem = health.kafkaProblem();
      }
    }
    components.put(
        "kafka",
        kafkaProblem == null ? new Component(UP, null) : new Component(DOWN, kafkaProblem));
    String status =
        components.values().stream().anyMatch(c -> c.status().equals(DOWN))
            ? DOWN
            : components.values().stream().anyMatch(c -> c.status().equals(STARTING))
                ? STARTING
                : UP;
    return new Report(status, components);
  }

  private Component feed(TopicFollower.Health health) {
    if (!health.caughtUpOnce()) {
      return new Component(STARTING, "reading the topics up to their end");
    }
    if (health.sinceCaughtUp().compareTo(staleAfter) > 0) {
      return new Component(
          DOWN,
          "not caught up with Kafka for "
              + health.sinceCaughtUp().toMillis()
              + " ms (bound "
              + staleAfter.toMillis()
              + " ms)"
              + (health.kafkaProblem() == null ? "" : ": " + health.kafkaProblem()));
    }
    return new Component(UP, null);
  }
}
