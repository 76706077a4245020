package dev.gpilot.api.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.kafka.TransactionalLog;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.VaultRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The vault's one writer against Kafka's {@code MockProducer} (transactions included) and a topic
 * end the test sets: when a change completes, what is committed together, and what a failure
 * leaves.
 */
class VaultWriterTest {
  private final VaultStore store = new VaultStore();
  private final FakeLog log = new FakeLog();
  private final VaultWriter writer =
      new VaultWriter(log, store, new VaultKeyring(null), VaultFaults.NONE);

  @AfterEach
  void close() throws InterruptedException {
    writer.close();
  }

  /**
   * The vault topic as the test wants it: producers it can make fail, an end it sets, a feed it
   * drives.
   */
  private static final class FakeLog implements TransactionalLog {
    final List<MockProducer<String, byte[]>> producers = new CopyOnWriteArrayList<>();
    final List<Map<Integer, Long>> awaited = new CopyOnWriteArrayList<>();
    final List<Consumer<MockProducer<String, byte[]>>> setUps = new CopyOnWriteArrayList<>();
    volatile Map<Integer, Long> end = Map.of(0, 0L);
    volatile boolean unreachable;
    volatile Runnable feed = () -> {};
    volatile boolean closed;

    @Override
    public Producer<String, byte[]> producer() {
      if (unreachable) {
        throw new KafkaException("no broker answers");
      }
      MockProducer<String, byte[]> p =
          new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
      p.initTransactions();
      if (producers.size() < setUps.size()) {
        setUps.get(producers.size()).accept(p);
      }
      producers.add(p);
      return p;
    }

    @Override
    public Map<Integer, Long> committedEnd() {
      return end;
    }

    @Override
    public boolean awaitApplied(Map<Integer, Long> offsets, Duration timeout) {
      awaited.add(offsets);
      feed.run();
      return true;
    }

    @Override
    public void close() {
      closed = true;
    }

    List<ProducerRecord<String, byte[]>> committed() {
      List<ProducerRecord<String, byte[]>> all = new ArrayList<>();
      producers.forEach(p -> all.addAll(p.history()));
      return all;
    }
  }

  private static VaultRecord record(String workspaceId, long revision) {
    return new VaultRecord(
        workspaceId + ":" + revision,
        workspaceId,
        revision,
        1_000L * revision,
        1,
        "kek",
        "data",
        "fingerprints",
        List.of(new VaultRecord.KeyInfo(1, 1, true, 0)),
        List.of(),
        List.of(),
        new VaultRecord.Change(AuditEvent.SECRET_SET, "API_KEY", "alice", revision));
  }

  private static AuditEvent audit(String workspaceId, long revision) {
    return AuditEvent.api(
        "audit-" + revision,
        workspaceId,
        revision,
        AuditEvent.SECRET_SET,
        "alice",
        "API_KEY",
        1,
        revision,
        "f");
  }

  /**
   * A change that sets the next revision on whatever the workspace has, answering with that
   * revision.
   */
  private static VaultWriter.Change<Long> nextRevision(String workspaceId, List<Long> saw) {
    return current -> {
      long base = current == null ? 0 : current.revision();
      saw.add(base);
      return new VaultWriter.Computed<>(
          record(workspaceId, base + 1), null, List.of(audit(workspaceId, base + 1)), base + 1);
    };
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static ApiException failure(CompletableFuture<?> future) {
    assertThat(future).failsWithin(10, TimeUnit.SECONDS);
    try {
      future.get();
      throw new AssertionError("completed");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ApiException.class);
      return (ApiException) e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aChange_completesOnceCommitted_withTheRecordInTheStore_andItsAuditEventInTheSameTransaction()
      throws Exception {
    List<Long> saw = new CopyOnWriteArrayList<>();
    writer.start();

    long revision = await(writer.submit("ws-a", nextRevision("ws-a", saw)));

    assertThat(revision).isEqualTo(1);
    assertThat(saw).containsExactly(0L);
    assertThat(store.get("ws-a")).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(1));
    MockProducer<String, byte[]> producer = log.producers.get(0);
    assertThat(producer.commitCount()).isEqualTo(1);
    assertThat(producer.history())
        .extracting(ProducerRecord::topic, ProducerRecord::key)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Topics.VAULT, "ws-a"),
            org.assertj.core.groups.Tuple.tuple(Topics.AUDIT, "ws-a"));
  }

  @Test
  void changesQueuedTogether_areComputedEachOnThePrevious_andCommittedInOneTransaction()
      throws Exception {
    List<Long> saw = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Long>> changes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      changes.add(writer.submit("ws-a", nextRevision("ws-a", saw)));
    }
    CompletableFuture<Long> other = writer.submit("ws-b", nextRevision("ws-b", new ArrayList<>()));

    writer.start();

    assertThat(List.of(await(changes.get(0)), await(changes.get(1)), await(changes.get(2))))
        .containsExactly(1L, 2L, 3L);
    assertThat(await(other)).isEqualTo(1);
    assertThat(saw).containsExactly(0L, 1L, 2L);
    MockProducer<String, byte[]> producer = log.producers.get(0);
    assertThat(producer.commitCount()).as("one group commit").isEqualTo(1);
    assertThat(
            producer.history().stream()
                .filter(r -> r.topic().equals(Topics.VAULT))
                .map(ProducerRecord::key))
        .as("one record per workspace, its latest")
        .containsExactly("ws-a", "ws-b");
    assertThat(producer.history().stream().filter(r -> r.topic().equals(Topics.AUDIT))).hasSize(4);
    assertThat(store.get("ws-a")).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(3));
  }

  @Test
  void aRefusedChange_orOneThatCannotBeComputed_failsAlone() throws Exception {
    CompletableFuture<Long> ok = writer.submit("ws-a", nextRevision("ws-a", new ArrayList<>()));
    CompletableFuture<Long> refused =
        writer.submit(
            "ws-b",
            current -> {
              throw ApiException.conflict("rotation-too-soon", "rotated a minute ago");
            });
    CompletableFuture<Long> defect =
        writer.submit(
            "ws-c",
            current -> {
              throw new IllegalStateException("a bug");
            });

    writer.start();

    assertThat(await(ok)).isEqualTo(1);
    assertThat(failure(refused).status()).isEqualTo(409);
    assertThat(failure(defect).status()).isEqualTo(500);
    assertThat(log.committed())
        .filteredOn(r -> r.topic().equals(Topics.VAULT))
        .extracting(ProducerRecord::key)
        .containsExactly("ws-a");
    assertThat(store.get("ws-b")).isEmpty();
  }

  @Test
  void aFencedCommit_isRetriedByANewWriter_onTheCurrentRecord_andTheChangeCompletesOnce()
      throws Exception {
    log.setUps.add(
        p ->
            p.commitTransactionException = new ProducerFencedException("another instance started"));
    AtomicInteger computed = new AtomicInteger();
    List<Long> saw = new CopyOnWriteArrayList<>();
    VaultWriter.Change<Long> change = nextRevision("ws-a", saw);
    writer.start();

    long revision =
        await(
            writer.submit(
                "ws-a",
                current -> {
                  computed.incrementAndGet();
                  return change.apply(current);
                }));

    assertThat(revision).isEqualTo(1);
    assertThat(computed).as("computed again for the second attempt").hasValue(2);
    assertThat(log.producers).hasSize(2);
    assertThat(log.producers.get(0).closed()).as("the fenced producer is closed").isTrue();
    assertThat(log.producers.get(0).history())
        .as("nothing of the failed transaction is visible")
        .isEmpty();
    assertThat(log.producers.get(1).history())
        .extracting(ProducerRecord::topic)
        .contains(Topics.VAULT);
  }

  @Test
  void aCommitThatFailedButLanded_isFoundInTheTopic_andNotWrittenAgain() throws Exception {
    log.setUps.add(
        p -> p.commitTransactionException = new KafkaException("timed out; outcome unknown"));
    // The feed, once a new writer reads to the end, finds the record the failed commit wrote after
    // all.
    log.feed =
        () -> {
          if (log.producers.size() == 2) {
            store.apply(record("ws-a", 1));
          }
        };
    writer.start();

    long revision = await(writer.submit("ws-a", nextRevision("ws-a", new ArrayList<>())));

    assertThat(revision).isEqualTo(1);
    assertThat(log.producers).hasSize(2);
    assertThat(log.producers.get(1).history()).as("not written a second time").isEmpty();
    assertThat(log.producers.get(1).commitCount()).isZero();
  }

  @Test
  void aChangeIsComputedOnlyOnceTheStoreHasReadToTheTopicsCommittedEnd() throws Exception {
    log.end = Map.of(0, 7L, 1, 3L);
    // Another instance's revision 5, which the feed applies while the writer waits for the end.
    log.feed = () -> store.apply(record("ws-a", 5));
    List<Long> saw = new CopyOnWriteArrayList<>();
    writer.start();

    long revision = await(writer.submit("ws-a", nextRevision("ws-a", saw)));

    assertThat(log.awaited).first().isEqualTo(Map.of(0, 7L, 1, 3L));
    assertThat(saw).as("no lost update: built on the newest committed record").containsExactly(5L);
    assertThat(revision).isEqualTo(6);
  }

  @Test
  void kafkaUnreachableForEveryAttempt_is503_andNothingIsApplied() {
    log.unreachable = true;
    writer.start();

    ApiException e = failure(writer.submit("ws-a", nextRevision("ws-a", new ArrayList<>())));

    assertThat(e.status()).isEqualTo(503);
    assertThat(e.getMessage()).contains("nothing was changed");
    assertThat(store.get("ws-a")).isEmpty();
  }

  @Test
  void afterClose_aChangeIs503_andTheLogIsClosed() throws Exception {
    writer.start();
    writer.close();

    ApiException e = failure(writer.submit("ws-a", nextRevision("ws-a", new ArrayList<>())));

    assertThat(e.status()).isEqualTo(503);
    assertThat(log.closed).isTrue();
  }
}
