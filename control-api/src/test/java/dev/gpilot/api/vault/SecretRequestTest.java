package dev.gpilot.api.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretRequestTest {
  private static byte[] read(String body) {
    return SecretRequest.read(
        new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), 4096);
  }

  @Test
  void value_isReturnedAsUtf8() {
    assertThat(read("{\"value\": \"AIza-ü\"}"))
        .isEqualTo("AIza-ü".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void secretSentAsAFieldName_isRejectedWithoutQuotingIt() {
    String secret = "AIzaSyD-" + "x".repeat(31);

    assertThatThrownBy(() -> read("{\"" + secret + "\": \"gemini\"}"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("only 'value'")
        .hasMessageNotContaining("AIza");
  }
}
