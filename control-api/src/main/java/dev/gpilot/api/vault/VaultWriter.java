package dev.gpilot.api.vault;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.kafka.FencedLogWriter;
import dev.gpilot.api.kafka.KafkaTransactionalLog;
import dev.gpilot.api.kafka.TransactionalLog;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.vault.WorkspaceKeys;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The one writer of {@code gpilot.vault.v1} in an API instance, a {@link FencedLogWriter} (queue,
 * group commit, one Kafka transaction per batch under the deployment's transactional id, retries
 * after fencing): it computes each workspace's next record from its current one. A change completes
 * only once its transaction has committed and the record is in the local {@link VaultStore} (and
 * its keys in the {@link VaultKeyring}). Revisions go 1, 2, 3… without two writers building on the
 * same base.
 */
final class VaultWriter extends FencedLogWriter<VaultWriter.Request<?>, VaultWriter.Batch> {
  private static final Wording WORDING =
      new Wording(
          "vault",
          "the vault writer is stopped; retry",
          "the vault could not be written; retry",
          "the vault could not be written to Kafka; nothing was changed, retry",
          "the vault change could not be computed");

  /** A change to one workspace's vault. */
  interface Change<T> {
    /**
     * Computes the workspace's next record. Pure: it may be run again (on a newer record) when a
     * write is retried.
     *
     * @param current the workspace's record, null if it has none
     * @throws ApiException when the change is refused (only this change fails)
     */
    Computed<T> apply(VaultRecord current);
  }

  /**
   * A computed change: the next record, its keys (for the cache), the audit events, and what to
   * answer.
   */
  record Computed<T>(VaultRecord record, WorkspaceKeys keys, List<AuditEvent> audit, T response) {}

  /** A queued change and its workspace. */
  record Request<T>(String workspaceId, Change<T> change) {}

  private final VaultStore store;
  private final VaultKeyring keyring;
  private final VaultFaults faults;
  private final JsonCodec<VaultRecord> records = JsonCodec.of(VaultRecord.class);

  VaultWriter(
      String bootstrapServers,
      String transactionalId,
      VaultStore store,
      VaultFeed feed,
      VaultKeyring keyring,
      VaultFaults faults) {
    this(
        new KafkaTransactionalLog(
            bootstrapServers,
            Topics.VAULT,
            producerSettings(bootstrapServers, transactionalId),
            feed),
        store,
        keyring,
        faults);
  }

  /**
   * @param log the vault topic, its producers and how far it reaches; closed by {@link #close}
   */
  VaultWriter(TransactionalLog log, VaultStore store, VaultKeyring keyring, VaultFaults faults) {
    super(log, "vault-writer", WORDING);
    this.store = store;
    this.keyring = keyring;
    this.faults = faults;
  }

  private static Properties producerSettings(String bootstrapServers, String transactionalId) {
    Properties props = KafkaClientConfigs.fencedTransactional(bootstrapServers, transactionalId);
    // A rotation writes every secret of a workspace as one record: up to 8 MiB (the feed reads as
    // much).
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 * 1024 * 1024));
    return props;
  }

  /**
   * Queues a change. The future completes with the change's response once it is committed and
   * applied, or fails with an {@link ApiException} (refused: 4xx; Kafka unavailable: 503). Only the
   * writer completes it, once it is done with the change: until then the change may be computed
   * (again) and may hold its inputs, such as a PUT's value. Callers wait on a copy when they give
   * up earlier.
   */
  <T> CompletableFuture<T> submit(String workspaceId, Change<T> change) {
    return enqueue(new Request<>(workspaceId, change));
  }

  @Override
  protected Batch newAttempt() {
    return new Batch();
  }

  /**
   * One attempt at a batch: per workspace, its change computed last (each on the one before it, or
   * the store).
   */
  final class Batch implements Attempt<Request<?>> {
    private final Map<String, Computed<?>> latest = new LinkedHashMap<>();

    @Override
    public Outcome compute(Request<?> request) {
      Computed<?> previous = latest.get(request.workspaceId());
      Computed<?> computed =
          request
              .change()
              .apply(
                  previous != null
                      ? previous.record()
                      : store.get(request.workspaceId()).orElse(null));
      latest.put(request.workspaceId(), computed);
      return new Outcome(computed.audit(), computed.response());
    }

    @Override
    public List<ProducerRecord<String, byte[]>> records() {
      return latest.values().stream()
          .map(
              c ->
                  new ProducerRecord<>(
                      Topics.VAULT, c.record().workspaceId(), records.encode(c.record())))
          .toList();
    }

    @Override
    public boolean landed() {
      return latest.values().stream().allMatch(c -> store.seen(c.record().id()));
    }

    @Override
    public void apply() {
      for (Computed<?> c : latest.values()) {
        store.apply(c.record());
        if (c.keys() != null) {
          keyring.remember(c.record(), c.keys());
        }
      }
    }

    Set<String> workspaces() {
      return latest.keySet();
    }
  }

  @Override
  protected String describe(Request<?> request) {
    return " of workspace " + request.workspaceId();
  }

  @Override
  protected ApiException refusal(RuntimeException e) {
    return e instanceof VaultException v ? VaultProblems.of(v) : null;
  }

  @Override
  protected void beforeCompute(List<Request<?>> requests) {
    Set<String> ids = new LinkedHashSet<>();
    requests.forEach(r -> ids.add(r.workspaceId()));
    faults.at(VaultFaults.Point.BEFORE_COMPUTE, ids);
  }

  @Override
  protected void beforeSend(Batch batch) {
    faults.at(VaultFaults.Point.BEFORE_SEND, batch.workspaces());
  }

  @Override
  protected void beforeCommit(Batch batch) {
    faults.at(VaultFaults.Point.BEFORE_COMMIT, batch.workspaces());
  }

  @Override
  protected void afterCommit(Batch batch) {
    faults.at(VaultFaults.Point.AFTER_COMMIT, batch.workspaces());
  }
}
