package dev.gpilot.api.tenancy;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of {@code gpilot.control-plane.v1} in an API instance, built as {@code VaultWriter} is: a thread
 * takes changes from a queue, reads the topic to its end, computes each change on current state, and writes the
 * records and their audit events in one Kafka transaction under a transactional id every instance shares. Starting
 * a writer fences the others, so a committed record was computed from the newest committed state (no lost update
 * between instances); a fenced writer starts again, reads to the end and recomputes. A change completes only once
 * its transaction committed and its records are in the local {@link ControlPlaneStore}, so the instance that
 * answered a revocation refuses the key from then on.
 */
final class ControlPlaneWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneWriter.class);
  private static final int MAX_BATCH = 256;
  private static final int MAX_ATTEMPTS = 5;

  /** What a change sees: the store, with the changes computed before it in the same batch laid over it. */
  interface View {
    Optional<ControlPlaneRecord> get(String key);

    ControlPlaneStore store();
  }

  /** A change: pure, it may be computed again on newer state when a write is retried. */
  interface Change<T> {
    /** @throws ApiException when the change is refused (only this change fails) */
    Computed<T> apply(View view);
  }

  /** The records a change writes, its audit events and what to answer once committed. */
  record Computed<T>(List<ControlPlaneRecord> records, List<AuditEvent> audit, T response) {}

  private record Pending<T>(Change<T> change, CompletableFuture<T> done) {
    @SuppressWarnings("unchecked")
    void complete(Object response) {
      done.complete((T) response);
    }
  }

  private record Accepted(Pending<?> pending, Object response) {}

  private final String bootstrapServers;
  private final String transactionalId;
  private final ControlPlaneStore store;
  private final ControlPlaneFeed feed;
  private final BlockingQueue<Pending<?>> queue = new ArrayBlockingQueue<>(10_000);
  private final JsonCodec<ControlPlaneRecord> records = JsonCodec.of(ControlPlaneRecord.class);
  private final JsonCodec<AuditEvent> audits = JsonCodec.of(AuditEvent.class);
  private final Admin admin;
  private final Thread thread;
  private KafkaProducer<String, byte[]> producer;
  private Map<TopicPartition, OffsetSpec> partitions;
  private final Map<Integer, Long> knownCurrent = new HashMap<>();
  private volatile boolean running = true;

  ControlPlaneWriter(String bootstrapServers, String transactionalId, ControlPlaneStore store,
      ControlPlaneFeed feed) {
    this.bootstrapServers = bootstrapServers;
    this.transactionalId = transactionalId;
    this.store = store;
    this.feed = feed;
    this.admin = Admin.create(KafkaClientConfigs.writerAdmin(bootstrapServers));
    this.thread = new Thread(this::run, "control-plane-writer");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Queues a change. The future completes with its response once committed and applied, or fails with an
   * {@link ApiException} (refused: 4xx; Kafka unavailable: 503).
   */
  <T> CompletableFuture<T> submit(Change<T> change) {
    CompletableFuture<T> done = new CompletableFuture<>();
    if (!running) {
      done.completeExceptionally(ApiException.unavailable("the API is shutting down; retry"));
    } else if (!queue.offer(new Pending<>(change, done))) {
      done.completeExceptionally(ApiException.unavailable("too many control-plane writes in flight; retry later"));
    }
    return done;
  }

  private void run() {
    while (running) {
      List<Pending<?>> batch = new ArrayList<>();
      try {
        Pending<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (RuntimeException e) {
        LOG.error("control-plane write failed unexpectedly", e);
        failAll(batch, ApiException.unavailable("the control plane could not be written; retry"));
      }
    }
    List<Pending<?>> rest = new ArrayList<>();
    queue.drainTo(rest);
    failAll(rest, ApiException.unavailable("the API is shutting down; retry"));
  }

  private void write(List<Pending<?>> batch) throws InterruptedException {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      List<Pending<?>> open = batch.stream().filter(p -> !p.done().isDone()).toList();
      if (open.isEmpty()) {
        return;
      }
      Map<String, ControlPlaneRecord> latest = new LinkedHashMap<>();
      List<Accepted> accepted = new ArrayList<>();
      List<AuditEvent> events = new ArrayList<>();
      try {
        ensureProducer();
        syncToEnd();
        View view = new View() {
          @Override
          public Optional<ControlPlaneRecord> get(String key) {
            ControlPlaneRecord pending = latest.get(key);
            return pending != null ? Optional.of(pending) : store.get(key);
          }

          @Override
          public ControlPlaneStore store() {
            return store;
          }
        };
        for (Pending<?> p : open) {
          try {
            Computed<?> computed = p.change().apply(view);
            computed.records().forEach(r -> latest.put(r.key(), r));
            events.addAll(computed.audit());
            accepted.add(new Accepted(p, computed.response()));
          } catch (ApiException e) {
            p.done().completeExceptionally(e);
          } catch (RuntimeException e) {
            LOG.error("computing a control-plane change failed", e);
            p.done().completeExceptionally(
                new ApiException(500, "internal", "Internal error", "the change could not be computed"));
          }
        }
        if (latest.isEmpty()) {
          accepted.forEach(a -> a.pending().complete(a.response()));
          return;
        }
        producer.beginTransaction();
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
        for (ControlPlaneRecord r : latest.values()) {
          sent.add(producer.send(new ProducerRecord<>(Topics.CONTROL_PLANE, r.key(), records.encode(r))));
        }
        for (AuditEvent e : events) {
          producer.send(new ProducerRecord<>(Topics.AUDIT, e.workspaceId(), audits.encode(e)));
        }
        producer.commitTransaction();
        rememberOwnEnd(sent);
        finish(latest, accepted);
        return;
      } catch (RuntimeException e) {
        // Fenced, timed out, broker gone: a new writer's initTransactions settles the transaction; then the
        // topic says whether our records made it.
        LOG.warn("control-plane write attempt {} failed: {}", attempt, e.toString());
        resetProducer();
        if (!latest.isEmpty() && committed(latest)) {
          finish(latest, accepted);
          return;
        }
        Thread.sleep(ThreadLocalRandom.current().nextLong(20, 100L * attempt));
      }
    }
    failAll(batch, ApiException.unavailable("the control plane could not be written to Kafka; nothing changed, retry"));
  }

  private void rememberOwnEnd(
      List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent) {
    knownCurrent.clear();
    for (var f : sent) {
      try {
        var m = f.get();
        knownCurrent.merge(m.partition(), m.offset() + 2, Math::max);
      } catch (ExecutionException | InterruptedException e) {
        knownCurrent.clear();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        return;
      }
    }
  }

  private boolean committed(Map<String, ControlPlaneRecord> latest) {
    try {
      ensureProducer();
      syncToEnd();
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
    // Revisions only grow and only the writer holding the transactional id commits: ours landed if the store holds
    // each entity at our revision (or newer, which another writer could only compute from ours).
    return latest.values().stream().allMatch(r -> store.holds(r.key(), r.revision()));
  }

  private void finish(Map<String, ControlPlaneRecord> latest, List<Accepted> accepted) {
    latest.values().forEach(store::apply);
    accepted.forEach(a -> a.pending().complete(a.response()));
  }

  private void ensureProducer() {
    if (producer != null) {
      return;
    }
    KafkaProducer<String, byte[]> p = new KafkaProducer<>(
        KafkaClientConfigs.fencedTransactional(bootstrapServers, transactionalId), new StringSerializer(), new ByteArraySerializer());
    try {
      p.initTransactions();
    } catch (RuntimeException e) {
      p.close(Duration.ZERO);
      throw e;
    }
    producer = p;
  }

  /** Waits until the store has every record committed before now, so a change is decided on current state. */
  private void syncToEnd() throws InterruptedException {
    Map<Integer, Long> end = new LinkedHashMap<>();
    try {
      if (partitions == null) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        admin.describeTopics(List.of(Topics.CONTROL_PLANE)).allTopicNames().get(15, TimeUnit.SECONDS)
            .get(Topics.CONTROL_PLANE).partitions().forEach(info -> request.put(
                new TopicPartition(Topics.CONTROL_PLANE, info.partition()), OffsetSpec.latest()));
        partitions = request;
      }
      admin.listOffsets(partitions, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(15, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp.partition(), info.offset()));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the end of " + Topics.CONTROL_PLANE + ": " + e, e);
    }
    if (end.entrySet().stream().allMatch(e -> e.getValue().equals(knownCurrent.get(e.getKey())))) {
      return;
    }
    knownCurrent.clear();
    if (!feed.awaitOffsets(end, Duration.ofSeconds(30))) {
      throw new IllegalStateException("the control-plane feed did not reach the end of the topic in 30 s");
    }
  }

  private void resetProducer() {
    knownCurrent.clear();
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        LOG.debug("closing a failed control-plane producer: {}", e.toString());
      }
      producer = null;
    }
  }

  private static void failAll(List<Pending<?>> pending, ApiException error) {
    pending.forEach(p -> p.done().completeExceptionally(error));
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(30_000);
    resetProducer();
    admin.close(Duration.ofSeconds(2));
  }
}
