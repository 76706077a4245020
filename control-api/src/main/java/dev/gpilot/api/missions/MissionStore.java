package dev.gpilot.api.missions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The missions this API instance knows, materialized from the missions and events topics (every instance reads
 * both whole, so any instance can serve any mission). Bounded: the least recently used missions are dropped first.
 */
public final class MissionStore {
  /** Where the events of missions no longer in memory (or in the topics) are kept. */
  public interface Archive {
    /**
     * The stored events of a mission of this workspace, in any order, possibly with duplicates; empty if unknown.
     *
     * @throws dev.gpilot.api.http.ApiException 503 when the store cannot be read
     */
    List<MissionEvent> events(String workspaceId, String missionId);
  }

  private final Cache<String, MissionView> views;
  private final Archive archive;

  public MissionStore(long maxMissions) {
    this(maxMissions, null);
  }

  /**
   * @param archive where to look for missions this instance does not hold; null for none
   */
  public MissionStore(long maxMissions, Archive archive) {
    this.views = Caffeine.newBuilder().maximumSize(maxMissions).build();
    this.archive = archive;
  }

  public Optional<MissionView> find(String missionId) {
    return Optional.ofNullable(views.getIfPresent(missionId));
  }

  /**
   * The mission from memory, or else from the archive (then kept in memory like any other): a finished mission can
   * be read and replayed after its events left the topics or this instance's memory. Also fills a view that lacks
   * its first events (it was evicted while live and came back with later ones).
   */
  public Optional<MissionView> findOrLoad(String workspaceId, String missionId) {
    MissionView known = views.getIfPresent(missionId);
    if (archive == null || (known != null && !known.missingFirstEvents())) {
      return Optional.ofNullable(known);
    }
    List<MissionEvent> stored = archive.events(workspaceId, missionId);
    if (stored.isEmpty()) {
      return Optional.ofNullable(known);
    }
    MissionView view = views.get(missionId, MissionView::new);
    stored.stream().sorted(Comparator.comparingLong(MissionEvent::seq)).forEach(view::append);
    return Optional.of(view);
  }

  public void onSubmitted(MissionSubmitted submitted) {
    views.get(submitted.missionId(), MissionView::new).submitted(submitted);
  }

  public void onEvent(MissionEvent event) {
    views.get(event.missionId(), MissionView::new).append(event);
  }

  /**
   * Whether the mission is in memory with its submission, without counting as a use of it: a submission record of it
   * would change nothing (a view keeps the first one it is given).
   */
  public boolean holdsSubmission(String missionId) {
    MissionView view = views.asMap().get(missionId);
    return view != null && view.submitted() != null;
  }

  /** Whether the mission is in memory, without counting as a use of it (which would keep it from eviction). */
  public boolean holds(String missionId) {
    return views.asMap().containsKey(missionId);
  }

  public long size() {
    return views.estimatedSize();
  }
}
