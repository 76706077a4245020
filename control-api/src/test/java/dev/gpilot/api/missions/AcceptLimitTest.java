package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AcceptLimitTest {
  @Test
  void permitsAreHeldUntilTheAcceptCompletes_thenFreedWhateverTheOutcome() {
    AcceptLimit limit = new AcceptLimit(3);
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    CompletableFuture<String> firstDone = limit.run(1, () -> first);
    limit.run(2, () -> second);
    assertThat(limit.inFlight()).isEqualTo(3);

    assertThatThrownBy(() -> limit.run(1, CompletableFuture::new))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.type()).isEqualTo("overloaded");
              assertThat(e.headers()).containsEntry("Retry-After", "1");
            });
    assertThat(limit.refused()).isEqualTo(1);

    first.complete("ok");
    assertThat(firstDone).isCompletedWithValue("ok");
    assertThat(limit.inFlight()).isEqualTo(2);
    second.completeExceptionally(new IllegalStateException("kafka said no"));
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void aBatchLargerThanTheBound_takesEveryPermit_soItRunsAloneOnAnIdleInstance() {
    AcceptLimit limit = new AcceptLimit(10);
    CompletableFuture<String> batch = new CompletableFuture<>();
    limit.run(1_000, () -> batch);
    assertThat(limit.inFlight()).isEqualTo(10);
    assertThatThrownBy(() -> limit.run(1, CompletableFuture::new)).isInstanceOf(ApiException.class);
    batch.complete("done");
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void anAcceptThatThrows_givesItsPermitsBack() {
    AcceptLimit limit = new AcceptLimit(1);
    assertThatThrownBy(
            () ->
                limit.run(
                    1,
                    () -> {
                      throw ApiException.badRequest("bad key");
                    }))
        .isInstanceOf(ApiException.class)
        .hasMessage("bad key");
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.refused()).isZero();
  }
}
