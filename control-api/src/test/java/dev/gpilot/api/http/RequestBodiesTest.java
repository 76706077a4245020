package dev.gpilot.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RequestBodiesTest {

  @Test
  void aBodyWithinTheBound_isReadWhole() {
    byte[] body = "x".repeat(100).getBytes();

    assertThat(RequestBodies.read(new ByteArrayInputStream(body), 100)).isEqualTo(body);
  }

  @Test
  void aRefusedBody_isReadToItsEnd_soTheClientIsNotCutOffWhileSending() {
    ByteArrayInputStream body = new ByteArrayInputStream(new byte[1_000_000]);

    assertThatThrownBy(() -> RequestBodies.read(body, 1_000))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThat(body.available()).isZero();
  }

  @Test
  void aRefusedBody_isDroppedOnlyUpToTheDiscardLimit() {
    CountingZeros body = new CountingZeros(RequestBodies.DISCARD_LIMIT * 2);

    assertThatThrownBy(
            () -> RequestBodies.read(body, 1_000, () -> ApiException.tooLarge("too large")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(413));
    assertThat(body.read)
        .isGreaterThanOrEqualTo(RequestBodies.DISCARD_LIMIT)
        .isLessThan(RequestBodies.DISCARD_LIMIT + 1_000 + 64 * 1024);
  }

  /** An endless-looking body of zeros that counts what was read of it. */
  private static final class CountingZeros extends InputStream {
    private final long length;
    long read;

    CountingZeros(long length) {
      this.length = length;
    }

    @Override
    public int read() {
      if (read >= length) {
        return -1;
      }
      read++;
      return 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (read >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - read);
      Arrays.fill(b, off, off + n, (byte) 0);
      read += n;
      return n;
    }
  }
}
