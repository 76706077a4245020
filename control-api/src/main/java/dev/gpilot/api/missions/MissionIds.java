package dev.gpilot.api.missions;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random missionIds for the lines of a batch: version 4 UUIDs, as {@link UUID#randomUUID()} makes
 * them and from the same kind of generator ({@link SecureRandom}, unguessable), but with the random
 * bytes of a whole batch drawn in one call: {@code randomUUID} takes the generator's lock (and, on
 * Linux, may read {@code /dev/urandom}) once per id, and Jetty's threads contend for it.
 */
final class MissionIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private MissionIds() {}

  /** Up to {@code count} ids; more are drawn one by one. */
  static Batch random(int count) {
    byte[] bytes = new byte[16 * Math.max(0, count)];
    RANDOM.nextBytes(bytes);
    return new Batch(ByteBuffer.wrap(bytes));
  }

  /** The ids of one batch, each handed out once. Not thread-safe: one per request. */
  static final class Batch {
    private final ByteBuffer random;

    private Batch(ByteBuffer random) {
      this.random = random;
    }

    String next() {
      if (random.remaining() < 16) {
        return UUID.randomUUID().toString();
      }
      long msb = random.getLong();
      long lsb = random.getLong();
      // RFC 4122 version 4 (random) and IETF variant, as UUID.randomUUID sets them.
      msb = (msb & ~0xf000L) | 0x4000L;
      lsb = (lsb & ~(0xc0L << 56)) | (0x80L << 56);
      return new UUID(msb, lsb).toString();
    }
  }
}
