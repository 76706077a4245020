package dev.gpilot.jobs.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CallRetriesTest {
  private static final CallRetries RETRIES =
      new CallRetries(3, Duration.ofMillis(500), Duration.ofSeconds(10));
  private static final long NOW = 1_000_000;
  private static final long DEADLINE = NOW + 120_000;

  @Test
  void withoutRetryAfter_backsOffExponentiallyWithJitter_untilTheRetriesRunOut() {
    assertThat(RETRIES.nextDelayMs(1, null, NOW, DEADLINE, () -> 0.5)).hasValue(500);
    assertThat(RETRIES.nextDelayMs(2, null, NOW, DEADLINE, () -> 0.5)).hasValue(1_000);
    assertThat(RETRIES.nextDelayMs(3, null, NOW, DEADLINE, () -> 0.0))
        .hasValue(1_500); // 2000 - 25 %
    assertThat(RETRIES.nextDelayMs(3, null, NOW, DEADLINE, () -> 0.9999999))
        .hasValue(2_500); // + 25 %
    assertThat(RETRIES.nextDelayMs(4, null, NOW, DEADLINE, () -> 0.5)).isEmpty();
    assertThat(
            new CallRetries(9, Duration.ofMillis(500), Duration.ofSeconds(10))
                .nextDelayMs(9, null, NOW, DEADLINE, () -> 0.5))
        .hasValue(10_000);
  }

  @Test
  void withRetryAfter_waitsAtLeastThatLong_plusJitter_asOftenAsTheAttemptsTimeAllows() {
    Duration two = Duration.ofSeconds(2);
    assertThat(RETRIES.nextDelayMs(1, two, NOW, DEADLINE, () -> 0.0)).hasValue(2_000);
    assertThat(RETRIES.nextDelayMs(1, two, NOW, DEADLINE, () -> 0.999)).hasValue(2_500);
    // Not limited by the retries count while the attempt has time: a 30 s storm does not fail the
    // attempt.
    assertThat(RETRIES.nextDelayMs(15, two, NOW, DEADLINE, () -> 0.5)).hasValue(2_250);
    // A Retry-After of 0 is not a loop: at least the initial delay.
    assertThat(RETRIES.nextDelayMs(1, Duration.ZERO, NOW, DEADLINE, () -> 0.0)).hasValue(500);
  }

  @Test
  void aWaitThatEndsAfterTheAttemptsDeadline_endsTheAttemptNow() {
    assertThat(RETRIES.nextDelayMs(1, Duration.ofSeconds(30), NOW, NOW + 20_000, () -> 0.0))
        .isEmpty();
    assertThat(RETRIES.nextDelayMs(1, null, NOW, NOW + 400, () -> 0.5)).isEmpty();
    assertThat(RETRIES.nextDelayMs(1, Duration.ofSeconds(2), NOW, NOW + 2_600, () -> 0.0))
        .hasValue(2_000);
  }

  @Test
  void anAttemptWithoutDeadline_countsRetryAfterCallsAgainstTheRetries() {
    assertThat(RETRIES.nextDelayMs(3, Duration.ofSeconds(1), NOW, 0, () -> 0.0)).hasValue(1_000);
    assertThat(RETRIES.nextDelayMs(4, Duration.ofSeconds(1), NOW, 0, () -> 0.0)).isEmpty();
  }

  @Test
  void noRetries_neverCallsAgainWithinTheAttempt_evenWithRetryAfter() {
    assertThat(CallRetries.NONE.nextDelayMs(1, Duration.ofSeconds(1), NOW, DEADLINE, () -> 0.0))
        .isEmpty();
    assertThat(CallRetries.NONE.nextDelayMs(1, null, NOW, DEADLINE, () -> 0.0)).isEmpty();
  }

  @Test
  void stepsFailingAtTheSameMoment_comeBackSpreadOut_neverSoonerThanAsked() {
    Random random = new Random(7);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 200; i++) {
      long wait =
          RETRIES
              .nextDelayMs(1, Duration.ofSeconds(2), NOW, DEADLINE, random::nextDouble)
              .getAsLong();
      min = Math.min(min, wait);
      max = Math.max(max, wait);
    }
    assertThat(min).isGreaterThanOrEqualTo(2_000);
    assertThat(max).isLessThanOrEqualTo(2_500);
    assertThat(max - min).as("spread").isGreaterThan(300);
  }
}
