package dev.gpilot.api.missions;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.quotas.InFlightMissions;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Accepts missions and looks them up, always within the caller's workspace. */
public final class MissionService {
  private static final Logger LOG = LoggerFactory.getLogger(MissionService.class);
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

  private final MissionPublisher publisher;
  private final MissionStore store;
  private final SubmissionArchive archive;
  private final Clock clock;
  private final MissionForks forks;
  private final InFlightMissions quota;
  private final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

  /** Idempotency-Keys are checked against what this instance holds in memory only. */
  public MissionService(MissionPublisher publisher, MissionStore store, Clock clock) {
    this(publisher, store, null, clock);
  }

  /**
   * @param archive where missions that left memory and the topics are found, for Idempotency-Keys;
   *     null for none
   */
  public MissionService(
      MissionPublisher publisher, MissionStore store, SubmissionArchive archive, Clock clock) {
    this(publisher, store, archive, new MissionForks(PriceTable.shipped(), clock), clock);
  }

  /**
   * @param forks makes the records of forks (reruns) of finished missions
   */
  public MissionService(
      MissionPublisher publisher,
      MissionStore store,
      SubmissionArchive archive,
      MissionForks forks,
      Clock clock) {
    this(publisher, store, archive, forks, null, clock);
  }

  /**
   * @param quota the missions in flight per workspace and their quota (the store must feed the same
   *     one); null for no quota
   */
  public MissionService(
      MissionPublisher publisher,
      MissionStore store,
      SubmissionArchive archive,
      MissionForks forks,
      InFlightMissions quota,
      Clock clock) {
    this.quota = quota;
    this.publisher = publisher;
    this.store = store;
    this.archive = archive;
    this.forks = forks;
    this.clock = clock;
  }

  /**
   * Submits a fork of a finished mission of the caller's workspace (SPEC.md section 2): a new
   * mission with its original's plan, reusing the outputs of the steps before {@code fromStep}, the
   * rest run on the request's model. Completes once the fork is durable in Kafka; the original is
   * not touched.
   *
   * <p>An Idempotency-Key works as for {@link #submit}: the fork's id is derived from (workspace,
   * key), in the same space of keys as submissions, so a retry of the same rerun (same original,
   * model and step) names the same fork and writes nothing, and the key used for any other request,
   * rerun or submission, is refused.
   *
   * @param idempotencyKey null for none
   * @return the fork; {@code replayed} when an earlier request with the same key made it
   * @throws ApiException 400 for a malformed key, 404 for an unknown mission, 409 for one not
   *     finished or without a plan, 422 for an unknown model or step or a key used for a different
   *     request, 503 when Kafka did not confirm the write or the archive cannot be read for a key
   *     this instance does not know
   */
  public CompletableFuture<Submission> rerun(
      Principal caller, String missionId, RerunRequest request, String idempotencyKey) {
    if (idempotencyKey == null) {
      return write(forks.fork(caller, get(caller, missionId), request));
    }
    String forkId = keyedId(caller, checkedKey(idempotencyKey));
    return keyed(
        caller.workspaceId(),
        forkId,
        request.fingerprint(missionId),
        archive,
        () -> forks.fork(caller, get(caller, missionId), request, forkId, idempotencyKey));
  }

  /**
   * An accepted mission; {@code replayed} when an earlier request with the same Idempotency-Key
   * wrote it.
   */
  public record Submission(String missionId, boolean replayed) {}

  /**
   * A write under an Idempotency-Key that has not completed yet, and the fingerprint of its
   * request.
   */
  private record InFlight(CompletableFuture<Submission> done, String requestHash) {}

  /**
   * Writes the mission to Kafka and completes once it is durable.
   *
   * <p>With an Idempotency-Key the missionId is derived from (workspace, key), so a retry, on this
   * instance or another, names the same mission. Whether that mission exists is answered by this
   * instance's memory, else by the archive (the missions stored in ClickHouse), so the answer
   * outlives eviction and the topics' retention: the same request is replayed (nothing written), a
   * different one refused. SPEC.md section 2 states the window that remains.
   *
   * @throws ApiException 400 for a malformed key, 422 when the key was used for a different
   *     request, 503 when the archive cannot be read for a key this instance does not know (nothing
   *     is written)
   */
  public CompletableFuture<Submission> submit(
      Principal caller, MissionRequest request, String idempotencyKey) {
    return submit(caller, request, idempotencyKey, archive);
  }

  private CompletableFuture<Submission> submit(
      Principal caller, MissionRequest request, String idempotencyKey, SubmissionArchive archive) {
    if (idempotencyKey == null) {
      return write(newMission(caller, request));
    }
    String missionId = keyedId(caller, checkedKey(idempotencyKey));
    String requestHash = request.requestHash();
    return keyed(
        caller.workspaceId(),
        missionId,
        requestHash,
        archive,
        () ->
            new MissionSubmitted(
                missionId,
                caller.workspaceId(),
                clock.millis(),
                request.mission(),
                request.config(),
                idempotencyKey,
                requestHash,
                caller.subject()));
  }

  private static String checkedKey(String idempotencyKey) {
    if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw ApiException.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    return idempotencyKey;
  }

  /**
   * The keyed write of {@code missionId}: the earlier mission again when one exists (in flight on
   * this instance, in memory, else in the archive) and {@code requestHash} is its request's, 422
   * when it is not; else the record {@code make} builds (only then, so a replay needs nothing it
   * needs), written once however many retries run concurrently on this instance.
   */
  private CompletableFuture<Submission> keyed(
      String workspaceId,
      String missionId,
      String requestHash,
      SubmissionArchive archive,
      Supplier<MissionSubmitted> make) {
    // Concurrent retries on this instance share one write.
    InFlight running = inFlight.get(missionId);
    if (running != null) {
      return join(running, requestHash);
    }
    Optional<Earlier> earlier = earlier(workspaceId, missionId, archive);
    if (earlier.isPresent()) {
      return CompletableFuture.completedFuture(
          replay(missionId, earlier.get().requestHash(), requestHash));
    }
    MissionSubmitted submitted = make.get();
    InFlight mine = new InFlight(new CompletableFuture<>(), requestHash);
    running = inFlight.putIfAbsent(missionId, mine);
    if (running != null) {
      return join(running, requestHash);
    }
    write(submitted)
        .whenComplete(
            (s, e) -> {
              inFlight.remove(missionId, mine);
              if (e == null) {
                mine.done().complete(s);
              } else {
                mine.done().completeExceptionally(e);
              }
            });
    return mine.done();
  }

  /**
   * A mission without a key: a new random id, so no request will ever be compared with this one and
   * it needs no fingerprint.
   */
  private MissionSubmitted newMission(Principal caller, MissionRequest request) {
    return newMission(caller, request, UUID.randomUUID().toString());
  }

  private MissionSubmitted newMission(Principal caller, MissionRequest request, String missionId) {
    return new MissionSubmitted(
        missionId,
        caller.workspaceId(),
        clock.millis(),
        request.mission(),
        request.config(),
        null,
        null,
        caller.subject());
  }

  /**
   * The missionId an idempotency key names: the same on every instance, for as long as the key is
   * kept.
   */
  private static String keyedId(Principal caller, String idempotencyKey) {
    return UUID.nameUUIDFromBytes(
            ("gpilot-mission:" + caller.workspaceId() + ":" + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /**
   * Submits every valid line of a batch as {@link #submit} submits one request, its {@code
   * idempotencyKey} as the Idempotency-Key: the records are all handed to the producer before any
   * ack is awaited, so they travel in the producer's batches, and the result completes once every
   * line has its answer. It never fails as a whole: each line is accepted (durable, or an
   * idempotent replay) or carries its own problem — the invalid ones theirs, a write Kafka did not
   * confirm 503. Two lines with the same key are one mission (the second a replay, or 422 when its
   * request differs). The archive is asked once for all keyed lines, not once per line.
   *
   * @return one result per line, in the batch's order
   */
  public CompletableFuture<List<LineResult>> submitBatch(Principal caller, MissionBatch batch) {
    SubmissionArchive archive = prefetched(caller, batch);
    List<MissionBatch.Line> lines = batch.lines();
    LineResult[] results = new LineResult[lines.size()];
    List<CompletableFuture<?>> pending = new ArrayList<>();
    // Lines without a key are new missions: written together, one completion for all of them.
    List<MissionSubmitted> fresh = new ArrayList<>();
    List<Integer> freshAt = new ArrayList<>();
    MissionIds.Batch ids = MissionIds.random(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      int at = i;
      if (lines.get(i) instanceof MissionBatch.Invalid invalid) {
        results[at] = LineResult.rejected(invalid.number(), invalid.problem());
      } else if (lines.get(i) instanceof MissionBatch.Valid valid
          && valid.idempotencyKey() == null) {
        fresh.add(newMission(caller, valid.request(), ids.next()));
        freshAt.add(at);
      } else {
        pending.add(
            submitLine(caller, (MissionBatch.Valid) lines.get(i), archive)
                .thenAccept(r -> results[at] = r));
      }
    }
    pending.add(
        writeAll(fresh)
            .thenAccept(
                problems -> {
                  for (int k = 0; k < fresh.size(); k++) {
                    int number = lines.get(freshAt.get(k)).number();
                    results[freshAt.get(k)] =
                        problems.get(k) == null
                            ? LineResult.accepted(
                                number, new Submission(fresh.get(k).missionId(), false))
                            : LineResult.rejected(number, problems.get(k));
                  }
                }));
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
        .thenApply(done -> List.of(results));
  }

  private CompletableFuture<LineResult> submitLine(
      Principal caller, MissionBatch.Valid line, SubmissionArchive archive) {
    CompletableFuture<Submission> submitted;
    try {
      submitted = submit(caller, line.request(), line.idempotencyKey(), archive);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(LineResult.rejected(line.number(), problem(e)));
    }
    return submitted.handle(
        (submission, error) ->
            error == null
                ? LineResult.accepted(line.number(), submission)
                : LineResult.rejected(line.number(), problem(error)));
  }

  /**
   * A line's problem: the ApiException it failed with, else (a defect) an internal error, logged.
   */
  private static ApiException problem(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof ApiException api) {
      return api;
    }
    LOG.error("unexpected error submitting a line of a batch", cause);
    return new ApiException(500, "internal", "Internal error", "an unexpected error occurred");
  }

  /**
   * The archive for a batch: the keyed lines' missions that memory does not know, looked up in one
   * query up front; the same 503 for each line that needs it when the archive cannot be read. Null
   * without an archive.
   */
  private SubmissionArchive prefetched(Principal caller, MissionBatch batch) {
    if (archive == null) {
      return null;
    }
    Set<String> unknown = new HashSet<>();
    for (MissionBatch.Line line : batch.lines()) {
      if (line instanceof MissionBatch.Valid valid && valid.idempotencyKey() != null) {
        String missionId = keyedId(caller, valid.idempotencyKey());
        if (store.find(missionId).map(MissionView::requestFingerprint).isEmpty()) {
          unknown.add(missionId);
        }
      }
    }
    if (unknown.isEmpty()) {
      return archive;
    }
    Map<String, String> found;
    try {
      found = archive.fingerprints(caller.workspaceId(), unknown);
    } catch (ApiException e) {
      return (workspaceId, missionId) -> {
        throw e;
      };
    }
    return (workspaceId, missionId) ->
        unknown.contains(missionId)
            ? Optional.ofNullable(found.get(missionId))
            : archive.fingerprint(workspaceId, missionId);
  }

  private static CompletableFuture<Submission> join(InFlight running, String requestHash) {
    return running.done().thenApply(s -> replay(s.missionId(), running.requestHash(), requestHash));
  }

  /** A mission that exists already; {@code requestHash} null when what made it cannot be told. */
  private record Earlier(String requestHash) {}

  /**
   * The mission with this id, from memory or else from the archive.
   *
   * @throws ApiException 503 from the archive
   */
  private Optional<Earlier> earlier(
      String workspaceId, String missionId, SubmissionArchive archive) {
    Optional<MissionView> known = store.find(missionId);
    String inMemory = known.map(MissionView::requestFingerprint).orElse(null);
    if (inMemory != null || archive == null) {
      return known.map(v -> new Earlier(inMemory));
    }
    // Not in memory, or in memory without its request (evicted, and back with later events only).
    Optional<String> stored = archive.fingerprint(workspaceId, missionId);
    if (stored.isPresent()) {
      return Optional.of(new Earlier(stored.get()));
    }
    return known.map(v -> new Earlier(null));
  }

  private CompletableFuture<Submission> write(MissionSubmitted submitted) {
    return writeAll(List.of(submitted))
        .thenApply(
            problems -> {
              if (problems.get(0) != null) {
                throw problems.get(0);
              }
              return new Submission(submitted.missionId(), false);
            });
  }

  /**
   * Hands every submission to the producer, then completes once Kafka has answered for all of them:
   * per submission, in order, null when it is durable (and now in the store) or the 503 to answer.
   */
  private CompletableFuture<List<ApiException>> writeAll(List<MissionSubmitted> submissions) {
    if (submissions.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    // The quota first: a mission past it is refused and never written; the others hold their place
    // from now on.
    ApiException[] refused = new ApiException[submissions.size()];
    List<MissionSubmitted> admitted = new ArrayList<>(submissions.size());
    for (int i = 0; i < submissions.size(); i++) {
      MissionSubmitted s = submissions.get(i);
      try {
        if (quota != null) {
          quota.admit(s.workspaceId(), s.missionId());
        }
        admitted.add(s);
      } catch (ApiException e) {
        refused[i] = e;
      }
    }
    if (admitted.isEmpty()) {
      return CompletableFuture.completedFuture(java.util.Arrays.asList(refused));
    }
    for (MissionSubmitted s : admitted) {
      store.writing(s.missionId()); // the feed need not decode what it reads of these
    }
    return publisher
        .publishAll(admitted)
        .thenApply(
            errors -> {
              List<ApiException> problems = new ArrayList<>(submissions.size());
              Exception first = null;
              for (int i = 0, k = 0; i < submissions.size(); i++) {
                if (refused[i] != null) {
                  problems.add(refused[i]);
                  continue;
                }
                int at = k++;
                if (errors.get(at) == null) {
                  store.onSubmitted(submissions.get(i));
                  problems.add(null);
                } else {
                  store.notWritten(submissions.get(i).missionId());
                  if (quota != null) {
                    quota.release(submissions.get(i).missionId());
                  }
                  first = first == null ? errors.get(at) : first;
                  problems.add(
                      ApiException.unavailable(
                          "the mission could not be stored; nothing was accepted, retry later"));
                }
              }
              if (first != null) {
                LOG.warn(
                    "could not write {} of {} missions to Kafka: {}",
                    errors.stream().filter(e -> e != null).count(),
                    admitted.size(),
                    first.toString());
              }
              return problems;
            });
  }

  /**
   * The earlier mission again, if {@code request} is the one that made it (or that cannot be told).
   */
  private static Submission replay(String missionId, String earlierHash, String requestHash) {
    if (earlierHash != null && !earlierHash.equals(requestHash)) {
      throw idempotencyConflict();
    }
    return new Submission(missionId, true);
  }

  private static ApiException idempotencyConflict() {
    return ApiException.unprocessable(
        "idempotency-key-reused", "this Idempotency-Key was already used for a different request");
  }

  /**
   * Asks the job to cancel a mission; completes once the command is durable. The mission ends
   * CANCELLED with an event; results of its running steps are discarded.
   *
   * @throws ApiException 404 for an unknown mission, 409 when it has already finished
   */
  public CompletableFuture<MissionView> cancel(Principal caller, String missionId) {
    MissionView view = get(caller, missionId);
    if (view.finished()) {
      throw ApiException.conflict(
          "mission-finished",
          "mission '" + missionId + "' has already finished (" + view.status() + ")");
    }
    return publisher
        .publish(
            new MissionControl(
                MissionControl.CANCEL,
                missionId,
                caller.workspaceId(),
                caller.subject(),
                clock.millis()))
        .handle(
            (ok, error) -> {
              if (error != null) {
                throw ApiException.unavailable("the cancel command could not be stored; retry");
              }
              return view;
            });
  }

  /**
   * @throws ApiException 404 when no mission has this id in the caller's workspace
   */
  public MissionView get(Principal caller, String missionId) {
    return store
        .findOrLoad(caller.workspaceId(), missionId)
        .filter(v -> caller.workspaceId().equals(v.workspaceId()))
        .orElseThrow(
            () -> ApiException.notFound("no mission '" + missionId + "' in this workspace"));
  }
}
