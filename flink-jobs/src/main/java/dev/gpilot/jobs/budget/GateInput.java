package dev.gpilot.jobs.budget;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.jobs.agents.StepRequest;

/**
 * What the budget gate reads, keyed by workspace: attempts to start, their results, budgets and
 * ended missions.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "input")
@JsonSubTypes({
  @JsonSubTypes.Type(value = GateInput.Request.class, name = "request"),
  @JsonSubTypes.Type(value = GateInput.Result.class, name = "result"),
  @JsonSubTypes.Type(value = GateInput.Budget.class, name = "budget"),
  @JsonSubTypes.Type(value = GateInput.Grant.class, name = "grant"),
  @JsonSubTypes.Type(value = GateInput.MissionEnded.class, name = "ended")
})
public sealed interface GateInput {
  /** The key: budgets are per workspace. */
  String workspaceId();

  /** A step attempt the scheduler started. */
  record Request(StepRequest request) implements GateInput {
    @Override
    public String workspaceId() {
      return request.workspaceId();
    }
  }

  /** A finished attempt (from the step-results topic). */
  record Result(StepResult result) implements GateInput {
    @Override
    public String workspaceId() {
      return result.workspaceId();
    }
  }

  /** A budget's newest record (from the control plane). */
  record Budget(BudgetRecord budget) implements GateInput {
    @Override
    public String workspaceId() {
      return budget.workspaceId();
    }
  }

  /** A wallet grant's newest record (from the control plane). */
  record Grant(WalletGrantRecord grant) implements GateInput {
    @Override
    public String workspaceId() {
      return grant.workspaceId();
    }
  }

  /** A mission's final event: attempts of it still held will never run. */
  record MissionEnded(String workspaceId, String missionId) implements GateInput {}
}
