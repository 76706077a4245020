package dev.gpilot.api.missions;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Accepts missions and looks them up, always within the caller's workspace. */
public final class MissionService {
  private static final Logger LOG = LoggerFactory.getLogger(MissionService.class);
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

  private final MissionPublisher publisher;
  private final MissionStore store;
  private final Clock clock;
  private final ConcurrentHashMap<String, CompletableFuture<Submission>> inFlight = new ConcurrentHashMap<>();

  public MissionService(MissionPublisher publisher, MissionStore store, Clock clock) {
    this.publisher = publisher;
    this.store = store;
    this.clock = clock;
  }

  /** An accepted mission; {@code replayed} when an earlier request with the same Idempotency-Key wrote it. */
  public record Submission(String missionId, boolean replayed) {}

  /**
   * Writes the mission to Kafka and completes once it is durable.
   *
   * <p>With an Idempotency-Key the missionId is derived from (workspace, key), so a retry, on this instance or
   * another, names the same mission: if this instance already knows it, nothing is written; otherwise a second
   * record with the same missionId is dropped by the job.
   *
   * @throws ApiException 400 for a malformed key, 422 when the key was used for a different request
   */
  public CompletableFuture<Submission> submit(Principal caller, MissionRequest request, String idempotencyKey) {
    if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw ApiException.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    String missionId =
        idempotencyKey == null
            ? UUID.randomUUID().toString()
            : UUID.nameUUIDFromBytes(("gpilot-mission:" + caller.workspaceId() + ":" + idempotencyKey)
                    .getBytes(StandardCharsets.UTF_8)).toString();

    Optional<MissionView> known = store.find(missionId);
    if (known.isPresent()) {
      return CompletableFuture.completedFuture(replay(known.get(), request));
    }
    MissionSubmitted submitted =
        new MissionSubmitted(missionId, caller.workspaceId(), clock.millis(), request.mission(), request.config(),
            idempotencyKey, request.requestHash(), caller.subject());
    if (idempotencyKey == null) {
      return write(submitted);
    }
    // Concurrent retries on this instance share one write.
    CompletableFuture<Submission> mine = new CompletableFuture<>();
    CompletableFuture<Submission> running = inFlight.putIfAbsent(missionId, mine);
    if (running != null) {
      return running.thenApply(s -> {
        if (!store.find(missionId).map(v -> sameRequest(v, request)).orElse(true)) {
          throw idempotencyConflict();
        }
        return new Submission(s.missionId(), true);
      });
    }
    write(submitted).whenComplete((s, e) -> {
      inFlight.remove(missionId, mine);
      if (e == null) {
        mine.complete(s);
      } else {
        mine.completeExceptionally(e);
      }
    });
    return mine;
  }

  private CompletableFuture<Submission> write(MissionSubmitted submitted) {
    return publisher.publish(submitted)
        .handle((ok, error) -> {
          if (error != null) {
            LOG.warn("could not write mission {} to Kafka: {}", submitted.missionId(), error.toString());
            throw ApiException.unavailable("the mission could not be stored; nothing was accepted, retry later");
          }
          store.onSubmitted(submitted);
          return new Submission(submitted.missionId(), false);
        });
  }

  private Submission replay(MissionView view, MissionRequest request) {
    if (!sameRequest(view, request)) {
      throw idempotencyConflict();
    }
    return new Submission(view.missionId(), true);
  }

  private static boolean sameRequest(MissionView view, MissionRequest request) {
    MissionSubmitted earlier = view.submitted();
    return earlier == null || request.requestHash().equals(earlier.requestHash());
  }

  private static ApiException idempotencyConflict() {
    return ApiException.unprocessable("idempotency-key-reused",
        "this Idempotency-Key was already used for a different request");
  }

  /**
   * Asks the job to cancel a mission; completes once the command is durable. The mission ends CANCELLED with an
   * event; results of its running steps are discarded.
   *
   * @throws ApiException 404 for an unknown mission, 409 when it has already finished
   */
  public CompletableFuture<MissionView> cancel(Principal caller, String missionId) {
    MissionView view = get(caller, missionId);
    if (view.finished()) {
      throw ApiException.conflict("mission-finished",
          "mission '" + missionId + "' has already finished (" + view.status() + ")");
    }
    return publisher.publish(new MissionControl(MissionControl.CANCEL, missionId, caller.workspaceId(),
            caller.subject(), clock.millis()))
        .handle((ok, error) -> {
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
    return store.findOrLoad(caller.workspaceId(), missionId)
        .filter(v -> caller.workspaceId().equals(v.workspaceId()))
        .orElseThrow(() -> ApiException.notFound("no mission '" + missionId + "' in this workspace"));
  }
}
