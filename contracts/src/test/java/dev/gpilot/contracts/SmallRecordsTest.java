package dev.gpilot.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.tenancy.WorkspaceRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Invariants of the small records other parts rely on: usage counts, a mission's summary, a
 * workspace's deletion.
 */
class SmallRecordsTest {
  @Test
  void usage_countsTheCachedPartOfThePromptOnce_andRefusesImpossibleCounts() throws Exception {
    Usage a = new Usage(1_000, 200, 50, 400);
    assertThat(a.totalTokens()).as("cached tokens are inside the prompt").isEqualTo(1_250);
    assertThat(a.plus(new Usage(10, 1, 2, 10))).isEqualTo(new Usage(1_010, 201, 52, 410));
    assertThat(Json.mapper().valueToTree(a).get("totalTokens").asLong()).isEqualTo(1_250);
    assertThatThrownBy(() -> new Usage(10, -1, 0, 0)).hasMessage("token counts cannot be negative");
    assertThatThrownBy(() -> new Usage(10, 0, 0, 11))
        .hasMessage("cached tokens (11) are part of the prompt (10)");
  }

  @Test
  void missionSummary_keepsItsAgentCostsSortedByAgent_andUnchangeable() {
    Map<String, Long> costs =
        new HashMap<>(Map.of("seo-analyst", 30L, "agent-scout", 10L, "copy-writer", 20L));
    MissionSummary summary =
        new MissionSummary(
            "ws",
            "m-1",
            MissionStatus.COMPLETED,
            "launch",
            1,
            2,
            3,
            3,
            3,
            0,
            null,
            null,
            null,
            60,
            costs,
            7);
    costs.put("late-agent", 1L);
    assertThat(List.copyOf(summary.agentCosts().keySet()))
        .containsExactly("agent-scout", "copy-writer", "seo-analyst");
    assertThatThrownBy(() -> summary.agentCosts().put("x", 1L))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(
            new MissionSummary(
                    "ws",
                    "m-2",
                    MissionStatus.RUNNING,
                    "x",
                    1,
                    0,
                    0,
                    1,
                    0,
                    0,
                    null,
                    null,
                    null,
                    0,
                    null,
                    1)
                .agentCosts())
        .isEmpty();
    assertThatThrownBy(
            () ->
                new MissionSummary(
                    "ws", "m-3", null, "x", 1, 0, 0, 1, 0, 0, null, null, null, 0, null, 1))
        .hasMessage("status is required");
  }

  @Test
  void aDeletedWorkspace_saysByWhomAndWhen_inANewRevision() {
    WorkspaceRecord acme = new WorkspaceRecord("acme", "Acme", 1, "alice", "default", 1);
    WorkspaceRecord deleted = acme.deleted(50, "bob");
    assertThat(acme.deleted()).isFalse();
    assertThat(deleted.deleted()).isTrue();
    assertThat(deleted.deletedBy()).isEqualTo("bob");
    assertThat(deleted.revision()).isEqualTo(2);
    assertThat(deleted.key()).isEqualTo(acme.key()).isEqualTo("workspace/acme");
    assertThatThrownBy(
            () -> new WorkspaceRecord("acme", "Acme", 1, "alice", "default", 50L, null, 2))
        .hasMessage("deletedAt and deletedBy go together");
  }
}
