package dev.gpilot.jobs.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlanValidatorTest {
  private final PlanValidator validator = new PlanValidator();

  private static PlanStep step(String id, String... deps) {
    return new PlanStep(id, "agent-scout", "do", null, List.of(deps), null, null, null);
  }

  @Test
  void deterministicPlanner_makesOneStepPerExplicitAgentInOrder() {
    MissionSubmitted m = new MissionSubmitted("m", "w", 1, "launch",
        new MissionConfig(List.of("agent-scout", "seo-analyst", "independent-verifier")), null, null, null);
    Plan plan = new DeterministicPlanner().plan(m);

    assertThat(plan.steps()).extracting(PlanStep::agent)
        .containsExactly("agent-scout", "seo-analyst", "independent-verifier");
    assertThat(plan.steps()).extracting(PlanStep::id).containsExactly("s1", "s2", "s3");
    assertThat(plan.steps().get(0).dependsOn()).isEmpty();
    assertThat(plan.steps().get(2).dependsOn()).containsExactly("s2");
    assertThat(validator.validate(plan)).isEmpty();
  }

  @Test
  void deterministicPlanner_withoutAgents_usesTheDefaultAgent() {
    MissionSubmitted m = new MissionSubmitted("m", "w", 1, "launch", null, null, null, null);
    assertThat(new DeterministicPlanner().plan(m).steps()).extracting(PlanStep::agent)
        .containsExactly(DeterministicPlanner.DEFAULT_AGENT);
  }

  @Test
  void duplicateIds_missingDependencies_andCycles_areNamed() {
    assertThat(validator.validate(new Plan(List.of(step("a"), step("a")))))
        .hasValueSatisfying(r -> assertThat(r).contains("duplicate step id 'a'"));
    assertThat(validator.validate(new Plan(List.of(step("a", "ghost")))))
        .hasValueSatisfying(r -> assertThat(r).contains("missing step 'ghost'"));
    assertThat(validator.validate(new Plan(List.of(step("a", "c"), step("b", "a"), step("c", "b"), step("d")))))
        .hasValueSatisfying(r -> assertThat(r).contains("cycle").contains("a").contains("b").contains("c")
            .doesNotContain("d"));
    assertThat(validator.validate(new Plan(List.of(step("self", "self")))))
        .hasValueSatisfying(r -> assertThat(r).contains("self -> self"));
  }

  @Test
  void randomDags_areValid_andAddingABackEdgeIsAlwaysCaught() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      int n = 2 + random.nextInt(30);
      List<PlanStep> steps = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<String> deps = new ArrayList<>();
        for (int j = 0; j < i; j++) {
          if (random.nextInt(4) == 0) {
            deps.add("s" + j);
          }
        }
        steps.add(step("s" + i, deps.toArray(String[]::new)));
      }
      assertThat(validator.validate(new Plan(steps))).as("acyclic round %d", round).isEmpty();

      // Any edge from an earlier step to a later one that reaches back closes a cycle: make one through a chain.
      int from = random.nextInt(n - 1);
      int to = from + 1 + random.nextInt(n - from - 1);
      List<PlanStep> cyclic = new ArrayList<>(steps);
      List<String> toDeps = new ArrayList<>(steps.get(to).dependsOn());
      if (!toDeps.contains("s" + from)) {
        toDeps.add("s" + from);
      }
      cyclic.set(to, step("s" + to, toDeps.toArray(String[]::new)));
      List<String> fromDeps = new ArrayList<>(steps.get(from).dependsOn());
      fromDeps.add("s" + to);
      cyclic.set(from, step("s" + from, fromDeps.toArray(String[]::new)));
      assertThat(validator.validate(new Plan(cyclic))).as("cyclic round %d", round)
          .hasValueSatisfying(r -> assertThat(r).contains("cycle"));
    }
  }
}
