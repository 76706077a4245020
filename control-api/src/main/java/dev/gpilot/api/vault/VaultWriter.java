package dev.gpilot.api.vault;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.contracts.vault.WorkspaceKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of {@code gpilot.vault.v1} in an API instance: a thread that takes changes from a queue, computes
 * each workspace's next record from its current one, and writes the records and their audit events in one Kafka
 * transaction. A change completes only once that transaction has committed (durable on all in-sync replicas) and
 * the record is in the local {@link VaultStore}.
 *
 * <p>Why a transaction: every API instance of a deployment writes under the same transactional id. Starting a
 * writer (initTransactions) fences every other one, and a fenced writer's commit fails. So a writer that commits
 * has not been fenced since it last read the topic to its end, hence no one else committed in between, hence the
 * record it computed from its store follows the newest committed one: revisions go 1, 2, 3… without two writers
 * building on the same base (no lost update), and every instance reads the same sequence. A writer that was fenced
 * starts again, reads to the end and recomputes. Readers read committed records only, so an aborted write (a
 * crash before commit, a fenced writer) is never seen, and a record and its audit event are seen together or not
 * at all.
 *
 * <p>Changes that arrive together are written in one transaction (group commit), so concurrent writes cost one
 * round trip, not one each.
 */
final class VaultWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VaultWriter.class);
  private static final int MAX_BATCH = 256;
  private static final int MAX_ATTEMPTS = 5;

  /** A change to one workspace's vault. */
  interface Change<T> {
    /**
     * Computes the workspace's next record. Pure: it may be run again (on a newer record) when a write is retried.
     *
     * @param current the workspace's record, null if it has none
     * @throws ApiException when the change is refused (only this change fails)
     */
    Computed<T> apply(VaultRecord current);
  }

  /** A computed change: the next record, its keys (for the cache), the audit events, and what to answer. */
  record Computed<T>(VaultRecord record, WorkspaceKeys keys, List<AuditEvent> audit, T response) {}

  /** A change computed in this attempt and what to answer once it commits (null for no body). */
  private record Accepted(Pending<?> pending, Object response) {}

  private record Pending<T>(String workspaceId, Change<T> change, CompletableFuture<T> done) {
    @SuppressWarnings("unchecked")
    void complete(Object response) {
      done.complete((T) response);
    }
  }

  private final VaultLog log;
  private final VaultStore store;
  private final VaultKeyring keyring;
  private final VaultFaults faults;
  private final BlockingQueue<Pending<?>> queue = new ArrayBlockingQueue<>(10_000);
  private final JsonCodec<VaultRecord> records = JsonCodec.of(VaultRecord.class);
  private final JsonCodec<AuditEvent> audits = JsonCodec.of(AuditEvent.class);
  private final Thread thread;
  private Producer<String, byte[]> producer;
  /** Per vault partition, an end offset up to which the store is known to be current (our own last commit). */
  private final Map<Integer, Long> knownCurrent = new HashMap<>();
  private volatile boolean running = true;
  private volatile boolean crashed;

  VaultWriter(String bootstrapServers, String transactionalId, VaultStore store, VaultFeed feed,
      VaultKeyring keyring, VaultFaults faults) {
    this(new KafkaVaultLog(bootstrapServers, transactionalId, feed), store, keyring, faults);
  }

  /** @param log the vault topic, its producers and how far it reaches; closed by {@link #close} */
  VaultWriter(VaultLog log, VaultStore store, VaultKeyring keyring, VaultFaults faults) {
    this.log = log;
    this.store = store;
    this.keyring = keyring;
    this.faults = faults;
    this.thread = new Thread(this::run, "vault-writer");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Queues a change. The future completes with the change's response once it is committed and applied, or fails
   * with an {@link ApiException} (refused: 4xx; Kafka unavailable: 503). Only the writer completes it, once it is
   * done with the change: until then the change may be computed (again) and may hold its inputs, such as a PUT's
   * value. Callers wait on a copy when they give up earlier.
   */
  <T> CompletableFuture<T> submit(String workspaceId, Change<T> change) {
    CompletableFuture<T> done = new CompletableFuture<>();
    if (crashed || !running) {
      done.completeExceptionally(ApiException.unavailable("the vault writer is stopped; retry"));
    } else if (!queue.offer(new Pending<>(workspaceId, change, done))) {
      done.completeExceptionally(ApiException.unavailable("too many vault writes in flight; retry later"));
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
      } catch (VaultFaults.Crash e) {
        // A simulated process death: no abort, no clean-up, nothing answered.
        LOG.warn("vault writer crashed (simulated) at: {}", e.getMessage());
        crashed = true;
        running = false;
        if (producer != null) {
          producer.close(Duration.ZERO);
          producer = null;
        }
        failAll(batch, ApiException.unavailable("the vault writer stopped; retry"));
        return;
      } catch (RuntimeException e) {
        LOG.error("vault write failed unexpectedly", e);
        failAll(batch, ApiException.unavailable("the vault could not be written; retry"));
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
      Map<String, Computed<?>> latest = new LinkedHashMap<>();
      List<Accepted> accepted = new ArrayList<>();
      List<AuditEvent> events = new ArrayList<>();
      try {
        long t0 = System.nanoTime();
        ensureProducer();
        syncToEnd();
        long t1 = System.nanoTime();
        faults.at(VaultFaults.Point.BEFORE_COMPUTE, workspacesOf(open));
        for (Pending<?> p : open) {
          VaultRecord current = latest.containsKey(p.workspaceId())
              ? latest.get(p.workspaceId()).record()
              : store.get(p.workspaceId()).orElse(null);
          try {
            Computed<?> computed = p.change().apply(current);
            latest.put(p.workspaceId(), computed);
            events.addAll(computed.audit());
            accepted.add(new Accepted(p, computed.response()));
          } catch (ApiException e) {
            p.done().completeExceptionally(e);
          } catch (VaultException e) {
            p.done().completeExceptionally(VaultProblems.of(e));
          } catch (RuntimeException e) {
            // A defect in computing this change: fail it alone, not the batch, and never retry it as a Kafka error.
            LOG.error("computing a vault change of workspace {} failed", p.workspaceId(), e);
            p.done().completeExceptionally(
                new ApiException(500, "internal", "Internal error", "the vault change could not be computed"));
          }
        }
        if (latest.isEmpty()) {
          return;
        }
        faults.at(VaultFaults.Point.BEFORE_SEND, latest.keySet());
        long t2 = System.nanoTime();
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Computed<?> c : latest.values()) {
          sent.add(producer.send(
              new ProducerRecord<>(Topics.VAULT, c.record().workspaceId(), records.encode(c.record()))));
        }
        for (AuditEvent e : events) {
          producer.send(new ProducerRecord<>(Topics.AUDIT, e.workspaceId(), audits.encode(e)));
        }
        faults.at(VaultFaults.Point.BEFORE_COMMIT, latest.keySet());
        producer.commitTransaction();
        faults.at(VaultFaults.Point.AFTER_COMMIT, latest.keySet());
        rememberOwnEnd(sent);
        finish(latest, accepted);
        if (LOG.isDebugEnabled()) {
          LOG.debug("wrote {} changes to {} workspaces: sync {} ms, compute {} ms, commit {} ms", accepted.size(),
              latest.size(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        }
        return;
      } catch (VaultFaults.Crash e) {
        throw e;
      } catch (RuntimeException e) {
        // Fenced, timed out, broker gone: the transaction's outcome may be unknown. A new writer's
        // initTransactions settles it (completes or aborts it); then the topic says whether our records made it.
        LOG.warn("vault write attempt {} failed: {}", attempt, e.toString());
        resetProducer();
        if (!latest.isEmpty() && committed(latest)) {
          finish(latest, accepted);
          return;
        }
        Thread.sleep(ThreadLocalRandom.current().nextLong(20, 100L * attempt));
      }
    }
    failAll(batch, ApiException.unavailable("the vault could not be written to Kafka; nothing was changed, retry"));
  }

  /**
   * After our commit, the partitions we wrote end with our records and the commit marker (one offset): no other
   * writer could commit in between without fencing us. The store holds our records, so it is current up to there.
   */
  private void rememberOwnEnd(List<Future<RecordMetadata>> sent) {
    knownCurrent.clear();
    for (Future<RecordMetadata> f : sent) {
      try {
        RecordMetadata m = f.get(); // done: commitTransaction flushed it
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

  /** After a failed commit: whether a new writer, having read the topic to its end, sees our records. */
  private boolean committed(Map<String, Computed<?>> latest) {
    try {
      ensureProducer();
      syncToEnd();
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
    return latest.values().stream().allMatch(c -> store.seen(c.record().id()));
  }

  private void finish(Map<String, Computed<?>> latest, List<Accepted> accepted) {
    for (Computed<?> c : latest.values()) {
      store.apply(c.record());
      if (c.keys() != null) {
        keyring.remember(c.record(), c.keys());
      }
    }
    accepted.forEach(a -> a.pending().complete(a.response()));
  }

  /**
   * A producer that holds the transactional id. After its initTransactions no other writer can commit until
   * another one starts (which fences this one), so once the store has read to the end it stays current.
   */
  private void ensureProducer() throws InterruptedException {
    if (producer == null) {
      producer = log.producer();
    }
  }

  /**
   * Waits until the local store has every record committed before now. Done before computing each batch, so a
   * change is decided on current state (a delete right after another instance's PUT finds the secret; the rotation
   * limit sees another instance's rotation), and a fenced writer rarely computes on a stale base.
   */
  private void syncToEnd() throws InterruptedException {
    Map<Integer, Long> end = log.committedEnd();
    // Nothing but our own last commit since we last read to the end: the store has it already.
    if (end.entrySet().stream().allMatch(e -> e.getValue().equals(knownCurrent.get(e.getKey())))) {
      return;
    }
    knownCurrent.clear();
    if (!log.awaitApplied(end, Duration.ofSeconds(30))) {
      throw new IllegalStateException("the vault feed did not reach the end of " + Topics.VAULT + " in 30 s");
    }
  }

  private void resetProducer() {
    knownCurrent.clear();
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        LOG.debug("closing a failed vault producer: {}", e.toString());
      }
      producer = null;
    }
  }

  private static Set<String> workspacesOf(List<Pending<?>> pending) {
    Set<String> ids = new LinkedHashSet<>();
    pending.forEach(p -> ids.add(p.workspaceId()));
    return ids;
  }

  private static void failAll(List<Pending<?>> pending, ApiException error) {
    pending.forEach(p -> p.done().completeExceptionally(error));
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(30_000);
    if (!crashed) {
      resetProducer();
    }
    log.close();
  }
}
