package dev.gpilot.api.vault;

/**
 * Points in a vault write where a test can make the writer crash, as if its process died there, or
 * stall it. Production uses {@link #NONE}.
 */
public interface VaultFaults {
  /** Where in a write. */
  enum Point {
    /** A batch taken and the store read to the end of the topic; no change computed yet. */
    BEFORE_COMPUTE,
    /** Every change computed (secrets re-encrypted, keys wrapped); nothing sent to Kafka yet. */
    BEFORE_SEND,
    /** The records sent in the open transaction; not committed. */
    BEFORE_COMMIT,
    /** The transaction committed; not yet applied locally nor answered. */
    AFTER_COMMIT
  }

  VaultFaults NONE = (point, workspaceIds) -> {};

  /**
   * Called on the writer thread at each point; throwing {@link Crash} stops the writer there
   * without any clean-up, blocking stalls it there.
   */
  void at(Point point, java.util.Set<String> workspaceIds);

  /** A simulated process death. */
  final class Crash extends dev.gpilot.api.kafka.FencedLogWriter.Crash {
    public Crash(String message) {
      super(message);
    }
  }
}
