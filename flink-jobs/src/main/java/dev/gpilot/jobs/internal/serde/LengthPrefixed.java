package dev.gpilot.jobs.internal.serde;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Bytes written after their length (an int), null as length -1: how the JSON-written state values
 * lay out their text. Part of those values' serialized format: do not change.
 */
public final class LengthPrefixed {
  private LengthPrefixed() {}

  /** Writes {@code bytes}' length, then the bytes; null as length -1 alone. */
  public static void write(byte[] bytes, DataOutputView out) throws IOException {
    if (bytes == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /** Reads what {@link #write} wrote: the bytes, or null for a negative length. */
  public static byte[] read(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }
}
