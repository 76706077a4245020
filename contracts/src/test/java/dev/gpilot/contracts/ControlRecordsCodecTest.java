package dev.gpilot.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.GrantBalance;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.testing.Schemas;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The records of gpilot.mission-control.v1, gpilot.step-deltas.v1 and gpilot.budget-status.v1
 * (SPEC.md section 3).
 */
class ControlRecordsCodecTest {
  private static final JsonCodec<MissionControl> CONTROL = JsonCodec.of(MissionControl.class);

  @Test
  void cancel_fromTheApi_matchesItsSchema_andRoundTrips() throws Exception {
    MissionControl cancel =
        new MissionControl(MissionControl.CANCEL, "m-1", "acme", "alice", 1_700_000_000_000L);
    byte[] json = CONTROL.encode(cancel);
    JsonNode tree = Json.mapper().readTree(json);
    assertThat(Schemas.problems("mission-control.v1", tree)).isEmpty();
    assertThat(tree.get("type").asText()).isEqualTo("mission.cancel");
    assertThat(tree.get("command").asText()).isEqualTo("mission.cancel");
    assertThat(tree.has("stepId")).as("absent fields are left out, not null").isFalse();
    assertThat(CONTROL.decode(json)).isEqualTo(cancel);
  }

  @Test
  void budgetHoldAndRelease_carryTheAttempt_andHaveDistinctIds() {
    MissionControl held =
        new MissionControl(
            MissionControl.BUDGET_HELD,
            "m-1",
            "acme",
            "budget-gate",
            5,
            "s1",
            2,
            "monthly",
            "needs 1200, has 300");
    MissionControl released =
        new MissionControl(
            MissionControl.BUDGET_RELEASED,
            "m-1",
            "acme",
            "budget-gate",
            5,
            "s1",
            2,
            "monthly",
            null);
    MissionControl otherAttempt =
        new MissionControl(
            MissionControl.BUDGET_HELD, "m-1", "acme", "budget-gate", 5, "s1", 3, "monthly", null);
    for (MissionControl command : List.of(held, released, otherAttempt)) {
      assertThat(Schemas.problems("mission-control.v1", command)).as(command.command()).isEmpty();
      assertThat(CONTROL.decode(CONTROL.encodeToString(command))).isEqualTo(command);
    }
    assertThat(List.of(held.id(), released.id(), otherAttempt.id())).doesNotHaveDuplicates();
    assertThat(held.id())
        .as("a re-sent hold has the same id")
        .isEqualTo(
            new MissionControl(
                    MissionControl.BUDGET_HELD,
                    "m-1",
                    "acme",
                    "budget-gate",
                    5,
                    "s1",
                    2,
                    "monthly",
                    "another text")
                .id());
  }

  @Test
  void commands_withoutWhatTheyNeed_areRefusedWithAClearMessage() {
    assertThatThrownBy(
            () ->
                CONTROL.decode(
                    "{\"command\":\"mission.pause\",\"missionId\":\"m\",\"workspaceId\":\"w\",\"ts\":1}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("unknown command 'mission.pause'");
    assertThatThrownBy(
            () ->
                CONTROL.decode(
                    "{\"command\":\"step.budget-held\",\"missionId\":\"m\",\"workspaceId\":\"w\",\"ts\":1,\"stepId\":\"s\"}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("step.budget-held needs stepId, attempt and budgetId");
    assertThatThrownBy(
            () -> CONTROL.decode("{\"command\":\"mission.cancel\",\"missionId\":\"m\",\"ts\":1}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("workspaceId is required");
    assertThatThrownBy(
            () -> CONTROL.decode("{\"command\":\"mission.cancel\",\"workspaceId\":\"w\",\"ts\":1}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("missionId is required");
  }

  @Test
  void stepDelta_matchesItsSchema_andItsIdNamesTheDeltaOfItsAttempt() {
    StepDelta delta = new StepDelta("m-1", "acme", "s1", 2, 0, "Hello", 10);
    assertThat(Schemas.problems("step-delta.v1", delta)).isEmpty();
    JsonCodec<StepDelta> codec = JsonCodec.of(StepDelta.class);
    assertThat(codec.decode(codec.encode(delta))).isEqualTo(delta);
    assertThat(delta.id()).isEqualTo("m-1/s1/2/0");
    String noText =
        "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"index\":0,\"ts\":1}";
    assertThatThrownBy(() -> codec.decode(noText))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("text is required");
    assertThatThrownBy(() -> codec.decode(noText.replace("\"attempt\":1,", "")))
        .as("a missing number is not taken as 0")
        .isInstanceOf(CodecException.class);
  }

  @Test
  void budgetStatus_remainingIsNeverBelowZero_andATotalBudgetEndsAtLongMax() throws Exception {
    BudgetStatus over =
        new BudgetStatus("acme", "b1", 3, 0, Long.MAX_VALUE, 1_000, 900, 300, 1, false, 5);
    assertThat(over.remainingMicros()).as("reservations may overshoot").isZero();
    BudgetStatus some =
        new BudgetStatus("acme", "b1", 3, 0, Long.MAX_VALUE, 1_000, 600, 300, 0, false, 5);
    assertThat(some.remainingMicros()).isEqualTo(100);
    assertThat(some.key()).isEqualTo("acme/b1");

    JsonCodec<BudgetStatus> codec = JsonCodec.of(BudgetStatus.class);
    JsonNode tree = Json.mapper().readTree(codec.encode(some));
    assertThat(tree.get("periodEnd").asText()).isEqualTo("9223372036854775807");
    assertThat(tree.has("key")).isFalse();
    assertThat(codec.decode(codec.encode(some))).isEqualTo(some);
  }

  @Test
  void walletStatus_keepsItsGrants_asAnUnchangeableCopy() {
    List<GrantBalance> grants =
        new java.util.ArrayList<>(
            List.of(
                new GrantBalance("g-1", 1_000, 300, 0, null, 10, 0),
                new GrantBalance("g-2", 1_000, 400, 0, 50L, 10, 700)));
    BudgetStatus wallet =
        new BudgetStatus(
            "acme", BudgetStatus.WALLET, 1, 0, Long.MAX_VALUE, 10, 0, 0, 0, false, 5, grants);
    JsonCodec<BudgetStatus> codec = JsonCodec.of(BudgetStatus.class);
    assertThat(codec.decode(codec.encode(wallet))).isEqualTo(wallet);
    assertThatThrownBy(() -> wallet.grants().add(null))
        .isInstanceOf(UnsupportedOperationException.class);
    grants.clear();
    assertThat(wallet.grants()).as("a copy").hasSize(2);
    assertThat(wallet.grants().get(0).remainingMicros()).isEqualTo(700);
    assertThat(wallet.grants().get(1).remainingMicros()).as("what expired is gone").isZero();
    assertThat(wallet.key()).isEqualTo("acme/_wallet");
  }
}
