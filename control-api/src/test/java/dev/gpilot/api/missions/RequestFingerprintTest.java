package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.testing.TestEvents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request's fingerprint can be recomputed from the mission.accepted event the job stores for it.
 */
class RequestFingerprintTest {
  private static final JsonCodec<MissionEvent> EVENTS = JsonCodec.of(MissionEvent.class);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"mission\":\"  Plan a launch \"}",
        "{\"mission\":\"x\",\"config\":{\"explicitAgents\":[\"agent-scout\",\"seo-analyst\"],"
            + "\"execution\":\"sequential\"}}",
        "{\"mission\":\"x\",\"config\":{\"params\":{\"budget\":1.50,\"big\":123456789012345678901234567890,"
            + "\"tags\":[\"q3\",7,null,true],\"nested\":{\"z\":1,\"a\":2}},\"deadlineSeconds\":60,"
            + "\"failurePolicy\":\"continue\"}}",
        "{\"mission\":\"x\",\"config\":{\"planner\":\"deterministic\",\"plan\":{\"steps\":["
            + "{\"id\":\"a\",\"agent\":\"agent-scout\",\"action\":\"research\",\"parameters\":{\"k\":[1,2]},"
            + "\"timeoutSeconds\":30,\"maxAttempts\":2},"
            + "{\"id\":\"b\",\"agent\":\"seo-analyst\",\"dependsOn\":[\"a\"],\"condition\":\"steps.a.output.ok\"}]}}}",
      })
  void fingerprintOfTheStoredAcceptedEvent_equalsTheRequests(String body) {
    MissionRequest request = MissionRequest.parse(body.getBytes(StandardCharsets.UTF_8));
    MissionEvent accepted =
        TestEvents.of(EventTypes.MISSION_ACCEPTED, "m1", "default", 1, 1L)
            .status("PLANNING")
            .mission(request.mission(), request.config())
            .build();

    MissionAccepted stored = (MissionAccepted) EVENTS.decode(EVENTS.encode(accepted));

    assertThat(MissionRequest.fingerprint(stored.mission(), stored.config()))
        .isEqualTo(request.requestHash());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"mission\":\"Plan a launch!\"}",
        "{\"mission\":\"Plan a launch\",\"config\":{\"params\":{}}}"
      })
  void anotherRequest_hasAnotherFingerprint(String body) {
    MissionRequest base =
        MissionRequest.parse("{\"mission\":\"Plan a launch\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(MissionRequest.parse(body.getBytes(StandardCharsets.UTF_8)).requestHash())
        .isNotEqualTo(base.requestHash());
  }

  @Test
  void aForksFingerprint_isRecomputedFromItsStoredAcceptedEvent_andDiffersForAnyOtherRequest() {
    RerunRequest rerun = new RerunRequest("gemini-2.5-flash-lite", "s2");
    MissionEvent accepted =
        TestEvents.of(EventTypes.MISSION_ACCEPTED, "fork", "default", 1, 1L)
            .status("PLANNING")
            .mission("Plan a launch", MissionConfig.DEFAULT)
            .rerun("original", "gemini-2.5-flash-lite", "s2")
            .build();

    String stored = RequestFingerprints.ofAccepted(EVENTS.decode(EVENTS.encode(accepted)));

    assertThat(stored).isEqualTo(rerun.fingerprint("original"));
    assertThat(
            List.of(
                rerun.fingerprint("another"),
                new RerunRequest(null, "s2").fingerprint("original"),
                new RerunRequest("gemini-2.5-flash-lite", null).fingerprint("original"),
                new RerunRequest(null, null).fingerprint("original"),
                MissionRequest.fingerprint("Plan a launch", MissionConfig.DEFAULT)))
        .doesNotContain(stored)
        .doesNotHaveDuplicates();
  }

  @Test
  void aSubmissionsFingerprint_isRecomputedFromItsAcceptedEvent_andOtherEventsHaveNone() {
    MissionRequest request =
        MissionRequest.parse("{\"mission\":\"x\"}".getBytes(StandardCharsets.UTF_8));
    MissionEvent accepted =
        TestEvents.of(EventTypes.MISSION_ACCEPTED, "m1", "default", 1, 1L)
            .status("PLANNING")
            .mission(request.mission(), request.config())
            .build();

    assertThat(RequestFingerprints.ofAccepted(accepted)).isEqualTo(request.requestHash());
    assertThat(
            RequestFingerprints.ofAccepted(
                TestEvents.of(EventTypes.PLAN_READY, "m1", "default", 2, 2L).build()))
        .isNull();
  }
}
