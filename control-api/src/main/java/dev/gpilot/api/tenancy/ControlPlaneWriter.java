package dev.gpilot.api.tenancy;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.kafka.FencedLogWriter;
import dev.gpilot.api.kafka.KafkaTransactionalLog;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The one writer of {@code gpilot.control-plane.v1} in an API instance, a {@link FencedLogWriter}
 * as the vault's is: a thread takes changes from a queue, reads the topic to its end, computes each
 * change on current state, and writes the records and their audit events in one Kafka transaction
 * under a transactional id every instance shares. Starting a writer fences the others, so a
 * committed record was computed from the newest committed state (no lost update between instances);
 * a fenced writer starts again, reads to the end and recomputes. A change completes only once its
 * transaction committed and its records are in the local {@link ControlPlaneStore}, so the instance
 * that answered a revocation refuses the key from then on.
 */
final class ControlPlaneWriter
    extends FencedLogWriter<ControlPlaneWriter.Change<?>, ControlPlaneWriter.Batch> {
  private static final Wording WORDING =
      new Wording(
          "control-plane",
          "the API is shutting down; retry",
          "the control plane could not be written; retry",
          "the control plane could not be written to Kafka; nothing changed, retry",
          "the change could not be computed");

  /**
   * What a change sees: the store, with the changes computed before it in the same batch laid over
   * it.
   */
  interface View {
    Optional<ControlPlaneRecord> get(String key);

    ControlPlaneStore store();
  }

  /** A change: pure, it may be computed again on newer state when a write is retried. */
  interface Change<T> {
    /**
     * @throws ApiException when the change is refused (only this change fails)
     */
    Computed<T> apply(View view);
  }

  /** The records a change writes, its audit events and what to answer once committed. */
  record Computed<T>(List<ControlPlaneRecord> records, List<AuditEvent> audit, T response) {}

  private final ControlPlaneStore store;
  private final JsonCodec<ControlPlaneRecord> records = JsonCodec.of(ControlPlaneRecord.class);

  ControlPlaneWriter(
      String bootstrapServers,
      String transactionalId,
      ControlPlaneStore store,
      ControlPlaneFeed feed) {
    super(
        new KafkaTransactionalLog(
            bootstrapServers,
            Topics.CONTROL_PLANE,
            KafkaClientConfigs.fencedTransactional(bootstrapServers, transactionalId),
            feed),
        "control-plane-writer",
        WORDING);
    this.store = store;
  }

  /**
   * Queues a change. The future completes with its response once committed and applied, or fails
   * with an {@link ApiException} (refused: 4xx; Kafka unavailable: 503).
   */
  <T> CompletableFuture<T> submit(Change<T> change) {
    return enqueue(change);
  }

  @Override
  protected Batch newAttempt() {
    return new Batch();
  }

  /**
   * One attempt at a batch: per key, the record computed last, laid over the store for the changes
   * after it.
   */
  final class Batch implements Attempt<Change<?>>, View {
    private final Map<String, ControlPlaneRecord> latest = new LinkedHashMap<>();

    @Override
    public Optional<ControlPlaneRecord> get(String key) {
      ControlPlaneRecord pending = latest.get(key);
      return pending != null ? Optional.of(pending) : store.get(key);
    }

    @Override
    public ControlPlaneStore store() {
      return store;
    }

    @Override
    public Outcome compute(Change<?> change) {
      Computed<?> computed = change.apply(this);
      computed.records().forEach(r -> latest.put(r.key(), r));
      return new Outcome(computed.audit(), computed.response());
    }

    @Override
    public List<ProducerRecord<String, byte[]>> records() {
      return latest.values().stream()
          .map(r -> new ProducerRecord<>(Topics.CONTROL_PLANE, r.key(), records.encode(r)))
          .toList();
    }

    @Override
    public boolean landed() {
      // Revisions only grow and only the writer holding the transactional id commits: ours landed
      // if the store
      // holds each entity at our revision (or newer, which another writer could only compute from
      // ours).
      return latest.values().stream().allMatch(r -> store.holds(r.key(), r.revision()));
    }

    @Override
    public void apply() {
      latest.values().forEach(store::apply);
    }
  }
}
