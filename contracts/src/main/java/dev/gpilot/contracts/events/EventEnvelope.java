package dev.gpilot.contracts.events;

/** The invariants of a {@link MissionEvent}'s envelope, checked by every record's constructor. */
final class EventEnvelope {
  static void check(String missionId, String workspaceId, long seq) {
    if (missionId == null) {
      throw new NullPointerException("missionId is required");
    }
    if (workspaceId == null) {
      throw new NullPointerException("workspaceId is required");
    }
    if (seq < 1) {
      throw new IllegalArgumentException("seq starts at 1, got " + seq);
    }
  }

  private EventEnvelope() {}
}
