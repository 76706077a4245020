package dev.gpilot.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.Rerun;
import dev.gpilot.testing.Schemas;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which steps a fork reuses, and the fork's record on the wire. */
class RerunTest {
  private static PlanStep step(String id, String... deps) {
    return new PlanStep(id, "agent-scout", "do " + id, null, List.of(deps), null, null, null);
  }

  // Listed: a, b (a), x, c (b), e (c), d (a)
  private static final Plan PLAN =
      new Plan(
          List.of(
              step("a"),
              step("b", "a"),
              step("x"),
              step("c", "b"),
              step("e", "c"),
              step("d", "a")));
  private static final Set<String> ALL = Set.of("a", "b", "x", "c", "e", "d");

  @Test
  void reusable_stepsListedBeforeFromStep_thatSucceeded_andRestOnlyOnReusedSteps() {
    assertThat(Rerun.reusable(PLAN, "c", ALL)).containsExactly("a", "b", "x");
    assertThat(Rerun.reusable(PLAN, "b", ALL)).containsExactly("a");
    assertThat(Rerun.reusable(PLAN, "a", ALL)).isEmpty();
    // A step that did not succeed is run again, and so is everything listed before fromStep that
    // depends on it.
    assertThat(Rerun.reusable(PLAN, "c", Set.of("b", "x", "c"))).containsExactly("x");
    assertThat(Rerun.reusable(PLAN, null, ALL)).isEmpty();
  }

  @Test
  void reusable_neverKeepsAStepThatDependsOnFromStep_evenListedBeforeIt() {
    // y is listed first but depends on z, which is fromStep: y is run again.
    Plan plan = new Plan(List.of(step("y", "z"), step("w"), step("z", "w")));
    assertThat(Rerun.reusable(plan, "z", Set.of("y", "w", "z"))).containsExactly("w");
  }

  @Test
  void reusable_unknownFromStep_isRefused() {
    assertThatThrownBy(() -> Rerun.reusable(PLAN, "nope", ALL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no step 'nope'");
  }

  @Test
  void aFork_roundTrips_andIsValidAgainstTheSchema_andNeedsItsPlan() throws Exception {
    MissionConfig config = new MissionConfig(List.of(), PLAN, null, null, null, null, null);
    MissionSubmitted fork =
        new MissionSubmitted(
            "m-2",
            "ws",
            1_700_000_000_000L,
            "launch",
            config,
            null,
            null,
            "alice",
            new Rerun(
                "m-1",
                "gemini-2.5-pro",
                "c",
                Map.of("a", Json.mapper().createObjectNode().put("t", 1))));
    JsonCodec<MissionSubmitted> codec = JsonCodec.of(MissionSubmitted.class);
    byte[] json = codec.encode(fork);
    assertThat(codec.decode(json)).isEqualTo(fork);
    assertThat(Schemas.problems("mission-submitted.v1", Json.mapper().readTree(json))).isEmpty();
    assertThat(
            codec
                .decode(
                    codec.encode(new MissionSubmitted("m-3", "ws", 1, "x", null, null, null, null)))
                .rerun())
        .isNull();

    assertThatThrownBy(
            () ->
                new MissionSubmitted(
                    "m-2",
                    "ws",
                    1,
                    "launch",
                    MissionConfig.DEFAULT,
                    null,
                    null,
                    null,
                    new Rerun("m-1", null, null, Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("config.plan");
  }
}
