package dev.gpilot.api.quotas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InFlightMissionsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(now.get());
        }
      };

  private InFlightMissions quota(int limit) {
    return new InFlightMissions(new QuotaOptions(limit, Duration.ofHours(1)), clock);
  }

  @Test
  void pastTheQuota_aWorkspaceIsRefusedWith429_andOtherWorkspacesAreNot() {
    InFlightMissions q = quota(2);
    q.admit("a", "m1");
    q.admit("a", "m2");
    assertThatThrownBy(() -> q.admit("a", "m3"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.type()).isEqualTo("quota-exceeded");
              assertThat(e.headers()).containsKey("Retry-After");
            });
    q.admit("b", "m4");
    assertThat(q.inFlight("a")).isEqualTo(2);
    assertThat(q.inFlight("b")).isEqualTo(1);
    assertThat(q.refused()).isEqualTo(1);
    assertThat(q.busiest()).isEqualTo(2);
  }

  @Test
  void aFinalEvent_freesThePlace_andAFailedWriteGivesItBack() {
    InFlightMissions q = quota(1);
    q.admit("a", "m1");
    q.submitted("a", "m1", now.get(), false); // the feed reads it back: counted once
    assertThat(q.inFlight("a")).isEqualTo(1);
    q.event("m1", now.get(), false);
    assertThat(q.inFlight("a")).isEqualTo(1);
    q.event("m1", now.get(), true);
    assertThat(q.inFlight("a")).isZero();
    q.admit("a", "m2");
    q.release("m2");
    q.admit("a", "m3");
    assertThat(q.inFlight("a")).isEqualTo(1);
  }

  @Test
  void uuidMissionIds_areKeptCompactly_butIdsThatDifferOnlyInCase_areDifferentMissions() {
    String id = "0f8e4b1c-2d3a-4e5f-8a9b-0c1d2e3f4a5b";
    assertThat(InFlightMissions.key(id)).isEqualTo(java.util.UUID.fromString(id));
    assertThat(InFlightMissions.key(id.toUpperCase())).isEqualTo(id.toUpperCase());
    assertThat(InFlightMissions.key("m-1")).isEqualTo("m-1");
    assertThat(InFlightMissions.key("0f8e4b1c-2d3a-4e5f-8a9b+0c1d2e3f4a5b"))
        .isInstanceOf(String.class);

    InFlightMissions q = quota(3);
    q.admit("a", id);
    q.admit("a", id); // a retried write: counted once
    q.submitted("a", id.toUpperCase(), now.get(), false); // another mission (ids are strings)
    assertThat(q.inFlight("a")).isEqualTo(2);
    q.event(id, now.get(), true);
    assertThat(q.inFlight("a")).isEqualTo(1);
    q.event(id.toUpperCase(), now.get(), true);
    assertThat(q.inFlight("a")).isZero();
  }

  @Test
  void rebuiltFromTheTopics_afterARestart_finishedMissionsDoNotCount_inAnyOrder() {
    InFlightMissions q = quota(10);
    // As the feed reads them: a submission, then its final event; a final event read before its
    // submission (the
    // store tells: finished); a submission still running.
    q.submitted("a", "done", now.get() - 1000, false);
    q.event("done", now.get(), true);
    q.submitted("a", "done-first", now.get() - 1000, true);
    q.submitted("a", "running", now.get() - 1000, false);
    assertThat(q.inFlight("a")).isEqualTo(1);
    assertThat(q.total()).isEqualTo(1);
  }

  @Test
  void aMissionWithoutRecordsForTheIdleBound_stopsCounting_andAnOldSubmissionIsNotCounted() {
    InFlightMissions q = quota(1);
    q.submitted("a", "stuck", now.get(), false);
    now.addAndGet(Duration.ofMinutes(59).toMillis());
    q.event("stuck", now.get(), false); // activity keeps it
    now.addAndGet(Duration.ofMinutes(30).toMillis());
    assertThatThrownBy(() -> q.admit("a", "next")).isInstanceOf(ApiException.class);
    now.addAndGet(Duration.ofMinutes(31).toMillis());
    q.admit("a", "next"); // the stuck mission went idle: its place is free
    assertThat(q.inFlight("a")).isEqualTo(1);
    q.submitted("b", "ancient", now.get() - Duration.ofHours(2).toMillis(), false);
    assertThat(q.inFlight("b")).isZero();
  }

  @Test
  void options_readTheEnvironment_andRefuseNonsense() {
    assertThat(QuotaOptions.fromEnv(java.util.Map.of()).missionsInFlight()).isEqualTo(10_000);
    assertThat(
            QuotaOptions.fromEnv(java.util.Map.of("GPILOT_QUOTA_MISSIONS_IN_FLIGHT", "7"))
                .missionsInFlight())
        .isEqualTo(7);
    assertThatThrownBy(
            () -> QuotaOptions.fromEnv(java.util.Map.of("GPILOT_QUOTA_MISSIONS_IN_FLIGHT", "0")))
        .hasMessageContaining("GPILOT_QUOTA_MISSIONS_IN_FLIGHT");
    assertThatThrownBy(
            () -> QuotaOptions.fromEnv(java.util.Map.of("GPILOT_QUOTA_MISSIONS_IN_FLIGHT", "many")))
        .hasMessageContaining("GPILOT_QUOTA_MISSIONS_IN_FLIGHT");
  }
}
