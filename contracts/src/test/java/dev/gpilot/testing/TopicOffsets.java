package dev.gpilot.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets of a test broker's topics, through an {@link Admin} of the given client properties: how
 * many records a topic has taken, and what a retention that elapsed at once leaves of it.
 */
public final class TopicOffsets {
  private TopicOffsets() {}

  /** The topic's partitions, as the broker describes them now. */
  public static List<TopicPartition> partitions(Admin admin, String topic)
      throws InterruptedException, ExecutionException {
    return admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get()
        .get(topic)
        .partitions()
        .stream()
        .map(p -> new TopicPartition(topic, p.partition()))
        .toList();
  }

  /**
   * The sum of the end offsets of the topic's partitions: how many records were ever written to it
   * (deleted ones included).
   */
  public static long endOffsetSum(Properties clientProperties, String topic)
      throws InterruptedException, ExecutionException {
    try (Admin admin = Admin.create(clientProperties)) {
      return latest(admin, List.of(topic)).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * Deletes every record the topics hold now, as a retention that elapsed at once would; their end
   * offsets stay.
   */
  public static void deleteAllRecords(Properties clientProperties, List<String> topics)
      throws InterruptedException, ExecutionException {
    try (Admin admin = Admin.create(clientProperties)) {
      Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
      latest(admin, topics).forEach((tp, end) -> delete.put(tp, RecordsToDelete.beforeOffset(end)));
      admin.deleteRecords(delete).all().get();
    }
  }

  private static Map<TopicPartition, Long> latest(Admin admin, List<String> topics)
      throws InterruptedException, ExecutionException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (String topic : topics) {
      partitions(admin, topic).forEach(tp -> request.put(tp, OffsetSpec.latest()));
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(request).all().get().forEach((tp, o) -> ends.put(tp, o.offset()));
    return ends;
  }
}
