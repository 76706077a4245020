package dev.gpilot.api.missions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.gpilot.api.quotas.InFlightMissions;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The missions this API instance knows, materialized from the missions and events topics (every
 * instance reads both whole, so any instance can serve any mission). Bounded by count and by bytes
 * (the encoded size of each mission's request and events): the least recently used missions are
 * dropped first. A mission that a stream follows when it is dropped stays reachable for its next
 * events, so the stream still gets them; it returns to the cache with its next event and is let go
 * once no stream follows it.
 */
public final class MissionStore {
  /** Where the events of missions no longer in memory (or in the topics) are kept. */
  public interface Archive {
    /**
     * The stored events of a mission of this workspace, in any order, possibly with duplicates;
     * empty if unknown.
     *
     * @throws dev.gpilot.api.http.ApiException 503 when the store cannot be read
     */
    List<MissionEvent> events(String workspaceId, String missionId);
  }

  private static final JsonCodec<MissionEvent> EVENTS = JsonCodec.of(MissionEvent.class);

  private final Cache<String, MissionView> views;

  /**
   * Views dropped from the cache while a stream followed them, until their next event or their last
   * stream.
   */
  private final Map<String, MissionView> followed = new ConcurrentHashMap<>();

  /**
   * Missions whose submission this instance wrote (or is writing) and the feed has not read back
   * yet: the feed skips those records once ({@link #wroteItself}). Reading them back would change
   * nothing (the ack stores what the instance already holds), and decoding every record of a bulk
   * submission again costs as much as encoding it did; nor should a mission the cache dropped
   * meanwhile come back only because the feed read it late. At most {@link #maxWriting}: past that
   * (a feed that stopped reading) the feed reads them as any other record.
   */
  private final Set<String> writing = ConcurrentHashMap.newKeySet();

  private final long maxWriting;
  private final Archive archive;
  private final InFlightMissions inFlight;

  public MissionStore(long maxMissions) {
    this(maxMissions, Long.MAX_VALUE, null);
  }

  /**
   * @param maxMissions missions held at most
   * @param maxBytes encoded bytes of requests and events held at most
   * @param archive where to look for missions this instance does not hold; null for none
   */
  public MissionStore(long maxMissions, long maxBytes, Archive archive) {
    this(maxMissions, maxBytes, archive, null);
  }

  /**
   * @param inFlight told of every submission and event, to count the missions in flight per
   *     workspace; null for none
   */
  public MissionStore(long maxMissions, long maxBytes, Archive archive, InFlightMissions inFlight) {
    if (maxMissions < 1 || maxBytes < maxMissions) {
      throw new IllegalArgumentException(
          "the mission cache needs at least one mission and one byte per mission, got "
              + maxMissions
              + " missions and "
              + maxBytes
              + " bytes");
    }
    // One bound for both: each mission weighs its bytes plus an equal share of the byte bound (its
    // overhead), so the
    // weights' sum stays under maxBytes only with at most maxMissions missions and at most maxBytes
    // bytes.
    boolean countOnly = maxBytes == Long.MAX_VALUE;
    long share = countOnly ? 1 : Math.max(1, maxBytes / maxMissions);
    this.views =
        Caffeine.newBuilder()
            .maximumWeight(countOnly ? maxMissions : maxBytes)
            .<String, MissionView>weigher(
                (id, view) ->
                    countOnly ? 1 : (int) Math.min(Integer.MAX_VALUE, share + view.bytes()))
            .evictionListener(
                (String id, MissionView view, RemovalCause cause) -> {
                  if (view != null && view.followed()) {
                    followed.put(id, view);
                  }
                })
            // Evict on the writing thread (the feed's): the bound holds when a write returns, and
            // tests can see it.
            .executor(Runnable::run)
            .build();
    this.archive = archive;
    this.inFlight = inFlight;
    this.maxWriting = maxMissions;
  }

  public Optional<MissionView> find(String missionId) {
    MissionView view = views.getIfPresent(missionId);
    return Optional.ofNullable(view != null ? view : followed.get(missionId));
  }

  /**
   * The mission from memory, or else from the archive (then kept in memory like any other): a
   * finished mission can be read and replayed after its events left the topics or this instance's
   * memory. Also fills a view that lacks its first events (it was evicted while live and came back
   * with later ones).
   */
  public Optional<MissionView> findOrLoad(String workspaceId, String missionId) {
    MissionView known = find(missionId).orElse(null);
    if (archive == null || (known != null && !known.missingFirstEvents())) {
      return Optional.ofNullable(known);
    }
    List<MissionEvent> stored = archive.events(workspaceId, missionId);
    if (stored.isEmpty()) {
      return Optional.ofNullable(known);
    }
    MissionView view = view(missionId);
    stored.stream()
        .sorted(Comparator.comparingLong(MissionEvent::seq))
        .forEach(e -> view.append(e, EVENTS.encode(e).length));
    views.put(missionId, view); // weighed again with what it now holds
    return Optional.of(view);
  }

  /**
   * A submission this instance wrote itself (its ack arrived; the feed will skip the record):
   * weighed by its text plus a fixed allowance for the rest, as its encoded size is not at hand.
   */
  public void onSubmitted(MissionSubmitted submitted) {
    onSubmitted(
        submitted, (int) Math.min(Integer.MAX_VALUE, 512L + 2L * submitted.mission().length()));
  }

  /** A submission read from the missions topic, {@code encodedBytes} long. */
  public void onSubmitted(MissionSubmitted submitted, int encodedBytes) {
    pruneFollowed();
    // One write of the cache, which weighs the view with its submission (a get and a put would
    // look the entry up and weigh it twice: this runs once per mission of a bulk submission).
    MissionView view =
        views
            .asMap()
            .compute(
                submitted.missionId(),
                (id, known) -> {
                  MissionView v = known != null ? known : unfollowedOrNew(id);
                  v.submitted(submitted);
                  v.addBytes(encodedBytes);
                  return v;
                });
    if (inFlight != null) {
      // Its final event may have been read first (two topics, read in no particular order).
      inFlight.submitted(
          submitted.workspaceId(), submitted.missionId(), submitted.ts(), view.finished());
    }
  }

  public void onEvent(MissionEvent event) {
    onEvent(event, 0);
  }

  /** An event read from the events topic, {@code encodedBytes} long. */
  public void onEvent(MissionEvent event, int encodedBytes) {
    MissionView view = view(event.missionId());
    view.append(event, encodedBytes);
    views.put(
        event.missionId(), view); // weighed again: Caffeine weighs an entry when it is written
    if (inFlight != null) {
      inFlight.event(event.missionId(), event.ts(), event.isFinal());
    }
  }

  /** The view of a mission: the cached one, else the one a stream still follows, else a new one. */
  private MissionView view(String missionId) {
    pruneFollowed();
    return views.get(missionId, this::unfollowedOrNew);
  }

  private void pruneFollowed() {
    if (!followed.isEmpty()) {
      followed.values().removeIf(v -> !v.followed()); // let go of what no stream follows any more
    }
  }

  private MissionView unfollowedOrNew(String missionId) {
    MissionView stillFollowed = followed.remove(missionId);
    return stillFollowed != null ? stillFollowed : new MissionView(missionId);
  }

  /**
   * This instance is handing the mission's submission to Kafka: the feed will skip its record once
   * ({@link #wroteItself}), the ack stores it ({@link #onSubmitted(MissionSubmitted)}).
   */
  public void writing(String missionId) {
    if (writing.size() < maxWriting) {
      writing.add(missionId);
    }
  }

  /**
   * Kafka did not confirm the write: should the record have reached the topic all the same (a
   * delivery timeout after the broker appended it), the feed reads it as any other.
   */
  public void notWritten(String missionId) {
    writing.remove(missionId);
  }

  /**
   * Whether this instance wrote the submission the feed has just read, which is then no longer
   * marked (the feed reads each record once; a second record of the mission is read as any other).
   */
  public boolean wroteItself(String missionId) {
    return writing.remove(missionId);
  }

  /** The encoded bytes the cache holds now, with each mission's share of the bound (for tests). */
  long weightedSize() {
    views.cleanUp();
    return views.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  /**
   * Whether the mission is in memory with its submission, without counting as a use of it: a
   * submission record of it would change nothing (a view keeps the first one it is given).
   */
  public boolean holdsSubmission(String missionId) {
    MissionView view = views.asMap().get(missionId);
    return view != null && view.submitted() != null;
  }

  /**
   * Whether the mission is in memory, without counting as a use of it (which would keep it from
   * eviction).
   */
  public boolean holds(String missionId) {
    return views.asMap().containsKey(missionId);
  }

  public long size() {
    return views.estimatedSize();
  }
}
