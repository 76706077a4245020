package dev.gpilot.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.plan.KnownAgents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlanValidatorTest {
  private final PlanValidator validator = new PlanValidator(KnownAgents.FLEET);

  private static PlanStep step(String id, String... deps) {
    return new PlanStep(id, "agent-scout", "do", null, List.of(deps), null, null, null);
  }

  private static PlanStep conditional(String id, String condition, String... deps) {
    return new PlanStep(id, "seo-analyst", "do", null, List.of(deps), condition, null, null);
  }

  private void rejected(List<PlanStep> steps, String... reasonParts) {
    assertThatThrownBy(() -> validator.validate(new Plan(steps)))
        .isInstanceOf(PlanValidator.InvalidPlanException.class)
        .hasMessageContainingAll(reasonParts);
  }

  @Test
  void duplicateIds_missingDependencies_unknownAgents_andCycles_areNamed() {
    rejected(List.of(step("a"), step("a")), "duplicate step id 'a'");
    rejected(List.of(step("a", "ghost")), "missing step 'ghost'");
    rejected(
        List.of(new PlanStep("a", "ghost-writer", "x", null, List.of(), null, null, null)),
        "unknown agent 'ghost-writer'");
    rejected(List.of(step("self", "self")), "cycle: self -> self");
    assertThatThrownBy(
            () ->
                validator.validate(
                    new Plan(List.of(step("a", "c"), step("b", "a"), step("c", "b"), step("d")))))
        .hasMessageContaining("cycle")
        .hasMessageContainingAll("a", "b", "c")
        .hasMessageNotContaining("d");
    rejected(List.of(), "no steps");
  }

  @Test
  void conditions_areCompiledTypeCheckedAndMayOnlyReadTheirDependencies() {
    rejected(
        List.of(step("seo"), conditional("pub", "steps.seo.output.seoScore >", "seo")),
        "does not compile");
    rejected(
        List.of(step("seo"), conditional("pub", "steps.seo.output.seoScore + 1", "seo")),
        "does not compile");
    rejected(
        List.of(step("seo"), conditional("pub", "steps.nope.status == 'SUCCEEDED'", "seo")),
        "unknown step 'nope'");
    rejected(
        List.of(
            step("seo"),
            step("other"),
            conditional("pub", "steps.other.status == 'SUCCEEDED'", "seo")),
        "does not depend on");

    PlanValidator.Validated ok =
        validator.validate(
            new Plan(
                List.of(
                    step("scout"),
                    step("seo", "scout"),
                    conditional(
                        "pub",
                        "steps.seo.output.seoScore > 80 && steps['scout'].status == 'SUCCEEDED'",
                        "seo"))));
    assertThat(ok.conditions().get("pub").referencedSteps())
        .containsExactlyInAnyOrder("seo", "scout");
  }

  @Test
  void conditions_evaluateOverOutputsAndParams_andAnAbsentFieldIsAnError() {
    Conditions.Compiled c =
        Conditions.compile("steps.seo.output.seoScore > 80 && mission.params.region == 'eu'");
    Map<String, Conditions.StepView> steps =
        Map.of(
            "seo",
            new Conditions.StepView(
                "SUCCEEDED", Json.mapper().createObjectNode().put("seoScore", 85)));
    var params = Json.mapper().createObjectNode().put("region", "eu");

    assertThat(Conditions.evaluate(c, steps, params)).isTrue();
    assertThat(
            Conditions.evaluate(
                c,
                Map.of(
                    "seo",
                    new Conditions.StepView(
                        "SUCCEEDED", Json.mapper().createObjectNode().put("seoScore", 80.5))),
                params))
        .isTrue();
    assertThat(
            Conditions.evaluate(
                c,
                Map.of(
                    "seo",
                    new Conditions.StepView(
                        "SUCCEEDED", Json.mapper().createObjectNode().put("seoScore", 12))),
                params))
        .isFalse();
    assertThatThrownBy(
            () ->
                Conditions.evaluate(
                    c,
                    Map.of(
                        "seo",
                        new Conditions.StepView("SUCCEEDED", Json.mapper().createObjectNode())),
                    params))
        .isInstanceOf(Conditions.ConditionFailedException.class)
        .hasMessageContaining("seoScore");
  }

  @Test
  void randomDags_topologicalOrderRespectsEveryDependency_andEveryCycleIsCaught() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      int n = 2 + random.nextInt(30);
      // Steps listed in a shuffled order, so the plan's order is not already topological.
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ids.add(i);
      }
      java.util.Collections.shuffle(ids, random);
      List<PlanStep> steps = new ArrayList<>();
      for (int i : ids) {
        List<String> deps = new ArrayList<>();
        for (int j = 0; j < i; j++) {
          if (random.nextInt(4) == 0) {
            deps.add("s" + j);
          }
        }
        steps.add(step("s" + i, deps.toArray(String[]::new)));
      }
      PlanValidator.Validated valid = validator.validate(new Plan(steps));
      Map<String, Integer> position = new HashMap<>();
      for (int i = 0; i < valid.topologicalOrder().size(); i++) {
        position.put(valid.topologicalOrder().get(i), i);
      }
      assertThat(position).hasSize(n);
      for (PlanStep s : steps) {
        for (String dep : s.dependsOn()) {
          assertThat(position.get(dep))
              .as("round %d: %s before %s", round, dep, s.id())
              .isLessThan(position.get(s.id()));
        }
      }

      // Close a cycle: a path from a later step back to an earlier one.
      int from = random.nextInt(n - 1);
      int to = from + 1 + random.nextInt(n - from - 1);
      List<PlanStep> cyclic = new ArrayList<>();
      for (PlanStep s : steps) {
        List<String> deps = new ArrayList<>(s.dependsOn());
        if (s.id().equals("s" + to) && !deps.contains("s" + from)) {
          deps.add("s" + from);
        }
        if (s.id().equals("s" + from)) {
          deps.add("s" + to);
        }
        cyclic.add(step(s.id(), deps.toArray(String[]::new)));
      }
      final int r = round;
      assertThatThrownBy(() -> validator.validate(new Plan(cyclic)))
          .as("cyclic round %d", r)
          .hasMessageContaining("cycle")
          .hasMessageContaining("s" + from)
          .hasMessageContaining("s" + to);
    }
  }
}
