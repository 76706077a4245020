package dev.gpilot.api.missions;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the API finds a mission that has left its memory and the topics, to keep an
 * Idempotency-Key's promise after eviction and retention: a retry names the same mission, a
 * different request under the same key is refused.
 */
public interface SubmissionArchive {
  /**
   * The {@linkplain MissionRequest#fingerprint fingerprint} of the request that made the mission.
   *
   * @return empty when no mission with this id is stored in the workspace
   * @throws dev.gpilot.api.http.ApiException 503 with {@code Retry-After} when the store cannot be
   *     read: then nobody can tell whether the key was used, and accepting could run and bill a
   *     mission twice
   */
  Optional<String> fingerprint(String workspaceId, String missionId);

  /**
   * The fingerprints of several missions at once (a batch's keyed lines); by default one lookup
   * each.
   *
   * @return by missionId, only the stored missions
   * @throws dev.gpilot.api.http.ApiException 503 as {@link #fingerprint}
   */
  default Map<String, String> fingerprints(String workspaceId, Collection<String> missionIds) {
    Map<String, String> found = new HashMap<>();
    for (String missionId : missionIds) {
      fingerprint(workspaceId, missionId).ifPresent(f -> found.put(missionId, f));
    }
    return found;
  }
}
