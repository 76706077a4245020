package dev.gpilot.api.missions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.util.Optional;

/**
 * The missions this API instance knows, materialized from the missions and events topics (every instance reads
 * both whole, so any instance can serve any mission). Bounded: the least recently used missions are dropped first.
 */
public final class MissionStore {
  private final Cache<String, MissionView> views;

  public MissionStore(long maxMissions) {
    this.views = Caffeine.newBuilder().maximumSize(maxMissions).build();
  }

  public Optional<MissionView> find(String missionId) {
    return Optional.ofNullable(views.getIfPresent(missionId));
  }

  public void onSubmitted(MissionSubmitted submitted) {
    views.get(submitted.missionId(), MissionView::new).submitted(submitted);
  }

  public void onEvent(MissionEvent event) {
    views.get(event.missionId(), MissionView::new).append(event);
  }

  public long size() {
    return views.estimatedSize();
  }
}
