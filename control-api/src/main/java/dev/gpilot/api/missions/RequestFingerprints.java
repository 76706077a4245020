package dev.gpilot.api.missions;

import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionEvent;

/**
 * The fingerprint of the request that made a mission, recomputed from its first event ({@code
 * mission.accepted}), which carries what was asked: the text and config of a submission ({@link
 * MissionRequest#fingerprint}), or the original, model and step of a fork ({@link
 * RerunRequest#fingerprint}). So an Idempotency-Key is checked against what is stored, whichever
 * version of the API stored it, with no stored hash.
 */
final class RequestFingerprints {
  private RequestFingerprints() {}

  /**
   * @return the fingerprint, or null when the event is not a first event that carries its request
   */
  static String ofAccepted(MissionEvent first) {
    if (!(first instanceof MissionAccepted accepted) || accepted.mission() == null) {
      return null;
    }
    if (accepted.rerunOf() != null) {
      return RerunRequest.fingerprint(
          accepted.rerunOf(), accepted.rerunModel(), accepted.rerunFromStep());
    }
    return MissionRequest.fingerprint(accepted.mission(), accepted.config());
  }
}
