package dev.gpilot.api.streams;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response body a test controls: whether the connection takes bytes now ({@link #ready}), and
 * what it took. The server's side of non-blocking writes: a test calls the stream's {@code
 * onWritePossible} as the server would.
 */
class FakeOutput extends ServletOutputStream {
  private final ByteArrayOutputStream taken = new ByteArrayOutputStream();
  volatile boolean ready = true;
  volatile WriteListener listener;

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void setWriteListener(WriteListener writeListener) {
    listener = writeListener;
  }

  @Override
  public synchronized void write(int b) {
    taken.write(b);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    taken.write(b, off, len);
  }

  synchronized String text() {
    return taken.toString(StandardCharsets.UTF_8);
  }
}
