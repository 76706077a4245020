package dev.gpilot.contracts.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes one record type as UTF-8 JSON. Thread-safe.
 *
 * @param <T> the record type
 */
public final class JsonCodec<T> {
  private final Class<T> type;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JsonCodec(Class<T> type) {
    this.type = type;
    this.reader = Json.mapper().readerFor(type);
    this.writer = Json.mapper().writerFor(type);
  }

  public static <T> JsonCodec<T> of(Class<T> type) {
    return new JsonCodec<>(type);
  }

  public byte[] encode(T value) {
    try {
      return writer.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
    }
  }

  /**
   * Encodes each value on its own, exactly as {@link #encode} would, through one generator and one
   * buffer for all of them: per value, {@link #encode} sets up a generator and its buffers, which
   * weighs on a thousand small records (a bulk submission).
   *
   * @return one array per value, in order
   */
  public List<byte[]> encodeEach(List<? extends T> values) {
    List<byte[]> encoded = new ArrayList<>(values.size());
    ByteArrayBuilder buffer = new ByteArrayBuilder(values.isEmpty() ? 0 : 512);
    try (JsonGenerator json = writer.getFactory().createGenerator(buffer)) {
      json.setRootValueSeparator(null); // values side by side, as encode writes each alone
      for (T value : values) {
        writer.writeValue(json, value);
        json.flush();
        encoded.add(buffer.toByteArray());
        buffer.reset();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
    }
    return encoded;
  }

  public String encodeToString(T value) {
    try {
      return writer.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
    }
  }

  /**
   * Reads a value.
   *
   * @throws CodecException when the bytes are not JSON of this record type, or break one of its
   *     invariants
   */
  public T decode(byte[] json) {
    try {
      return reader.readValue(json);
    } catch (IOException | IllegalArgumentException e) {
      throw new CodecException("not a valid " + type.getSimpleName() + ": " + rootMessage(e), e);
    }
  }

  public T decode(String json) {
    try {
      return reader.readValue(json);
    } catch (IOException | IllegalArgumentException e) {
      throw new CodecException("not a valid " + type.getSimpleName() + ": " + rootMessage(e), e);
    }
  }

  /**
   * The innermost message: an invariant broken in a record's constructor reads better than
   * Jackson's wrapper.
   */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof JsonProcessingException jpe) {
      message = jpe.getOriginalMessage();
    }
    return message;
  }
}
