package dev.gpilot.api.missions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.Rerun;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Makes the record of a fork ({@code POST /api/v1/missions/{id}/rerun}) from its original as this
 * instance sees it (memory, else the stored events): the original's text, config and adopted plan
 * (so nothing is planned again), the recorded outputs of the steps it reuses ({@link
 * Rerun#reusable}), the model to run the rest on. Writes nothing.
 */
public final class MissionForks {
  private final PriceTable prices;
  private final Clock clock;

  /**
   * @param prices the deployment's price table: a fork's model must have a price now
   */
  public MissionForks(PriceTable prices, Clock clock) {
    this.prices = prices;
    this.clock = clock;
  }

  /**
   * @throws ApiException 409 {@code mission-unfinished} when the original has not finished, 409
   *     {@code mission-without-plan} when it ended before a plan was adopted; 422 {@code
   *     unknown-model} for a model the price table has no price for now, 422 {@code unknown-step}
   *     for a {@code fromStep} not in its plan
   */
  public MissionSubmitted fork(Principal caller, MissionView original, RerunRequest request) {
    return fork(caller, original, request, UUID.randomUUID().toString(), null);
  }

  /**
   * The fork under an Idempotency-Key: its id is the one the key names, and it carries the key and
   * the request's {@linkplain RerunRequest#fingerprint fingerprint}, as a keyed submission does.
   *
   * @param forkId the fork's missionId
   * @param idempotencyKey null for none
   * @throws ApiException as {@link #fork(Principal, MissionView, RerunRequest)}
   */
  public MissionSubmitted fork(
      Principal caller,
      MissionView original,
      RerunRequest request,
      String forkId,
      String idempotencyKey) {
    if (!original.finished()) {
      throw ApiException.conflict(
          "mission-unfinished",
          "mission '"
              + original.missionId()
              + "' has not finished ("
              + original.status()
              + "); a fork starts from a finished mission");
    }
    MissionView.ForkSource source =
        original
            .forkSource()
            .orElseThrow(
                () ->
                    ApiException.conflict(
                        "mission-without-plan",
                        "mission '"
                            + original.missionId()
                            + "' ended ("
                            + original.status()
                            + ") before it had a plan; there is nothing to run again"));
    if (request.model() != null && prices.find(request.model(), clock.instant()).isEmpty()) {
      throw ApiException.unprocessable(
          "unknown-model",
          "the price table "
              + prices.version()
              + " has no price for model '"
              + request.model()
              + "'; GET /api/v1/agents lists the priced models in use");
    }
    if (request.fromStep() != null
        && source.plan().steps().stream().map(PlanStep::id).noneMatch(request.fromStep()::equals)) {
      throw ApiException.unprocessable(
          "unknown-step",
          "mission '"
              + original.missionId()
              + "' has no step '"
              + request.fromStep()
              + "'; its steps: "
              + source.plan().steps().stream().map(PlanStep::id).toList());
    }
    Map<String, JsonNode> reused = new LinkedHashMap<>();
    Rerun.reusable(source.plan(), request.fromStep(), source.succeeded().keySet())
        .forEach(id -> reused.put(id, source.succeeded().get(id)));
    MissionConfig c = source.config();
    // The original's config with the plan it ran made explicit: the fork is not planned again.
    MissionConfig config =
        new MissionConfig(
            c.explicitAgents(),
            source.plan(),
            c.execution(),
            c.params(),
            c.deadlineSeconds(),
            c.failurePolicy(),
            null);
    return new MissionSubmitted(
        forkId,
        caller.workspaceId(),
        clock.millis(),
        source.mission(),
        config,
        idempotencyKey,
        idempotencyKey == null ? null : request.fingerprint(original.missionId()),
        caller.subject(),
        new Rerun(original.missionId(), request.model(), request.fromStep(), reused));
  }
}
