package dev.gpilot.api.kafka;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The one writer of a compacted topic in an API instance (the vault, the control plane): a thread
 * takes changes from a queue, reads the topic to its committed end, computes each change on current
 * state, and writes the records and their audit events in one Kafka transaction. A change completes
 * only once that transaction has committed (durable on all in-sync replicas) and its records are in
 * the local store.
 *
 * <p>Why a transaction: every API instance of a deployment writes under the same transactional id.
 * Starting a writer ({@code initTransactions}) fences every other one, and a fenced writer's commit
 * fails. So a writer that commits has not been fenced since it last read the topic to its end,
 * hence no one else committed in between, hence the records it computed from its store follow the
 * newest committed ones (no lost update between instances). A writer that was fenced starts again,
 * reads to the end and recomputes. Readers read committed records only, so an aborted write is
 * never seen, and a record and its audit event are seen together or not at all.
 *
 * <p>Changes that arrive together are written in one transaction (group commit), so concurrent
 * writes cost one round trip, not one each. A subclass says what a change computes ({@link
 * Attempt}); this class owns the queue, the retries and what is answered.
 *
 * @param <C> a queued change, as the domain submits it
 * @param <A> the domain's attempt at writing a batch
 */
public abstract class FencedLogWriter<C, A extends FencedLogWriter.Attempt<C>>
    implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FencedLogWriter.class);
  private static final int MAX_BATCH = 256;
  private static final int MAX_ATTEMPTS = 5;

  /** What a writer answers, in the words of its domain. */
  public record Wording(
      /** The writer's name in logs ("vault", "control-plane"). */
      String name,
      /** A change submitted while the writer is stopped or stopping. */
      String stopped,
      /** A change that failed unexpectedly with its whole batch. */
      String failed,
      /** A batch that could not be written in all its attempts. */
      String notWritten,
      /** A change whose computing threw (a defect). */
      String notComputed) {}

  /**
   * What one change computed: its audit events and what to answer once committed (null for no
   * body).
   */
  public record Outcome(List<AuditEvent> audit, Object response) {}

  /**
   * One attempt at writing a batch: the changes computed in it so far, each on the store with the
   * previous ones laid over it. A new attempt (after a failure) computes again from scratch, on
   * newer state.
   */
  public interface Attempt<C> {
    /**
     * Computes one change on the store and the changes before it in this attempt.
     *
     * @throws ApiException when the change is refused (only this change fails)
     * @throws RuntimeException any other: a defect in computing it (only this change fails, never
     *     retried)
     */
    Outcome compute(C change);

    /**
     * The records the changes computed so far write to the topic, one per key, in order; empty:
     * nothing to write.
     */
    List<ProducerRecord<String, byte[]>> records();

    /**
     * After a failed commit, the store read to the topic's end: whether it holds this attempt's
     * records.
     */
    boolean landed();

    /** Once committed: puts the records into the local store (and what goes with them). */
    void apply();
  }

  /**
   * A simulated process death at a fault point: the writer stops there without any clean-up nor
   * answer.
   */
  public static class Crash extends RuntimeException {
    public Crash(String message) {
      super(message);
    }
  }

  private record Pending<C>(C change, CompletableFuture<?> done) {
    @SuppressWarnings("unchecked")
    void complete(Object response) {
      ((CompletableFuture<Object>) done).complete(response);
    }
  }

  private record Accepted(Pending<?> pending, Object response) {}

  private final TransactionalLog log;
  private final Wording wording;
  private final BlockingQueue<Pending<C>> queue = new ArrayBlockingQueue<>(10_000);
  private final JsonCodec<AuditEvent> audits = JsonCodec.of(AuditEvent.class);
  private final Thread thread;
  private Producer<String, byte[]> producer;

  /**
   * Per partition, an end offset up to which the store is known to be current (our own last
   * commit).
   */
  private final Map<Integer, Long> knownCurrent = new HashMap<>();

  private volatile boolean running = true;
  private volatile boolean crashed;

  /**
   * @param log the topic, its producers and how far it reaches; closed by {@link #close}
   */
  protected FencedLogWriter(TransactionalLog log, String threadName, Wording wording) {
    this.log = log;
    this.wording = wording;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  /** A new, empty attempt. */
  protected abstract A newAttempt();

  /**
   * Describes a change for the log line of a defect in computing it (" of workspace ws-1"; "" for
   * nothing).
   */
  protected String describe(C change) {
    return "";
  }

  /**
   * Maps a domain's refusal thrown while computing to its answer; null: not a refusal but a defect.
   */
  protected ApiException refusal(RuntimeException e) {
    return null;
  }

  /** Fault points, for tests; they may throw {@link Crash}. By default nothing happens there. */
  protected void beforeCompute(List<C> changes) {}

  protected void beforeSend(A attempt) {}

  protected void beforeCommit(A attempt) {}

  protected void afterCommit(A attempt) {}

  public void start() {
    thread.start();
  }

  /**
   * Queues a change. The future completes with the change's response once it is committed and
   * applied, or fails with an {@link ApiException} (refused: 4xx; Kafka unavailable: 503). Only the
   * writer completes it, once it is done with the change: until then the change may be computed
   * (again) and may hold its inputs.
   */
  protected final <T> CompletableFuture<T> enqueue(C change) {
    CompletableFuture<T> done = new CompletableFuture<>();
    if (crashed || !running) {
      done.completeExceptionally(ApiException.unavailable(wording.stopped()));
    } else if (!queue.offer(new Pending<>(change, done))) {
      done.completeExceptionally(
          ApiException.unavailable(
              "too many " + wording.name() + " writes in flight; retry later"));
    }
    return done;
  }

  private void run() {
    while (running) {
      List<Pending<C>> batch = new ArrayList<>();
      try {
        Pending<C> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Crash e) {
        LOG.warn("{} writer crashed (simulated) at: {}", wording.name(), e.getMessage());
        crashed = true;
        running = false;
        if (producer != null) {
          producer.close(Duration.ZERO);
          producer = null;
        }
        failAll(
            batch, ApiException.unavailable("the " + wording.name() + " writer stopped; retry"));
        return;
      } catch (RuntimeException e) {
        LOG.error("{} write failed unexpectedly", wording.name(), e);
        failAll(batch, ApiException.unavailable(wording.failed()));
      }
    }
    List<Pending<C>> rest = new ArrayList<>();
    queue.drainTo(rest);
    failAll(rest, ApiException.unavailable("the API is shutting down; retry"));
  }

  private void write(List<Pending<C>> batch) throws InterruptedException {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      List<Pending<C>> open = batch.stream().filter(p -> !p.done().isDone()).toList();
      if (open.isEmpty()) {
        return;
      }
      A computed = newAttempt();
      List<Accepted> accepted = new ArrayList<>();
      List<AuditEvent> events = new ArrayList<>();
      try {
        long t0 = System.nanoTime();
        ensureProducer();
        syncToEnd();
        long t1 = System.nanoTime();
        beforeCompute(open.stream().map(Pending::change).toList());
        for (Pending<C> p : open) {
          try {
            Outcome outcome = computed.compute(p.change());
            events.addAll(outcome.audit());
            accepted.add(new Accepted(p, outcome.response()));
          } catch (ApiException e) {
            p.done().completeExceptionally(e);
          } catch (RuntimeException e) {
            ApiException refused = refusal(e);
            if (refused != null) {
              p.done().completeExceptionally(refused);
            } else {
              // A defect in computing this change: fail it alone, not the batch, never retry it as
              // a Kafka error.
              LOG.error("computing a {} change{} failed", wording.name(), describe(p.change()), e);
              p.done()
                  .completeExceptionally(
                      new ApiException(500, "internal", "Internal error", wording.notComputed()));
            }
          }
        }
        List<ProducerRecord<String, byte[]>> records = computed.records();
        if (records.isEmpty()) {
          accepted.forEach(a -> a.pending().complete(a.response()));
          return;
        }
        beforeSend(computed);
        long t2 = System.nanoTime();
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r : records) {
          sent.add(producer.send(r));
        }
        for (AuditEvent e : events) {
          producer.send(new ProducerRecord<>(Topics.AUDIT, e.workspaceId(), audits.encode(e)));
        }
        beforeCommit(computed);
        producer.commitTransaction();
        afterCommit(computed);
        rememberOwnEnd(sent);
        finish(computed, accepted);
        if (LOG.isDebugEnabled()) {
          LOG.debug(
              "{}: wrote {} changes as {} records: sync {} ms, compute {} ms, commit {} ms",
              wording.name(),
              accepted.size(),
              records.size(),
              (t1 - t0) / 1_000_000,
              (t2 - t1) / 1_000_000,
              (System.nanoTime() - t2) / 1_000_000);
        }
        return;
      } catch (Crash e) {
        throw e;
      } catch (RuntimeException e) {
        // Fenced, timed out, broker gone: the transaction's outcome may be unknown. A new writer's
        // initTransactions settles it (completes or aborts it); then the topic says whether our
        // records made it.
        LOG.warn("{} write attempt {} failed: {}", wording.name(), attempt, e.toString());
        resetProducer();
        if (!computed.records().isEmpty() && committed(computed)) {
          finish(computed, accepted);
          return;
        }
        Thread.sleep(ThreadLocalRandom.current().nextLong(20, 100L * attempt));
      }
    }
    failAll(batch, ApiException.unavailable(wording.notWritten()));
  }

  /**
   * After our commit, the partitions we wrote end with our records and the commit marker (one
   * offset): no other writer could commit in between without fencing us. The store holds our
   * records, so it is current up to there.
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

  /**
   * After a failed commit: whether a new writer, having read the topic to its end, sees our
   * records.
   */
  private boolean committed(A computed) {
    try {
      ensureProducer();
      syncToEnd();
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
    return computed.landed();
  }

  private void finish(A computed, List<Accepted> accepted) {
    computed.apply();
    accepted.forEach(a -> a.pending().complete(a.response()));
  }

  /**
   * A producer that holds the transactional id. After its initTransactions no other writer can
   * commit until another one starts (which fences this one), so once the store has read to the end
   * it stays current.
   */
  private void ensureProducer() throws InterruptedException {
    if (producer == null) {
      producer = log.producer();
    }
  }

  /**
   * Waits until the local store has every record committed before now. Done before computing each
   * batch, so a change is decided on current state (a delete right after another instance's PUT
   * finds the secret; a revocation through another instance is seen), and a fenced writer rarely
   * computes on a stale base.
   */
  private void syncToEnd() throws InterruptedException {
    Map<Integer, Long> end = log.committedEnd();
    // Nothing but our own last commit since we last read to the end: the store has it already.
    if (end.entrySet().stream().allMatch(e -> e.getValue().equals(knownCurrent.get(e.getKey())))) {
      return;
    }
    knownCurrent.clear();
    if (!log.awaitApplied(end, Duration.ofSeconds(30))) {
      throw new IllegalStateException(
          "the " + wording.name() + " feed did not reach the end of its topic in 30 s");
    }
  }

  private void resetProducer() {
    knownCurrent.clear();
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        LOG.debug("closing a failed {} producer: {}", wording.name(), e.toString());
      }
      producer = null;
    }
  }

  private static void failAll(List<? extends Pending<?>> pending, ApiException error) {
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
