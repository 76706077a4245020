package dev.gpilot.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

class InstantsTest {

  @Test
  void aDayIsItsStartInUtc() {
    assertThat(Instants.parseInstantOrDay("2026-12-01"))
        .isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
  }

  @Test
  void anInstantKeepsItsOffset() {
    assertThat(Instants.parseInstantOrDay(" 2026-12-01T01:30:00+01:00 "))
        .isEqualTo(Instant.parse("2026-12-01T00:30:00Z"));
    assertThat(Instants.parseInstantOrDay("2026-12-01T00:00:00.250Z"))
        .isEqualTo(Instant.parse("2026-12-01T00:00:00.250Z"));
  }

  @Test
  void anythingElseIsRefused() {
    for (String bad : new String[] {"yesterday", "2026-13-01", "2026-12-01T00:00:00", ""}) {
      assertThatThrownBy(() -> Instants.parseInstantOrDay(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class);
    }
  }
}
