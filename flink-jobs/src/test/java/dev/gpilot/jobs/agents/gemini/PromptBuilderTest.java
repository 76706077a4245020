package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.agents.StepRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {
  private static JsonNode json(String text) throws Exception {
    return Json.mapper().readTree(text);
  }

  @Test
  void prompt_hasTheMission_theStep_itsParameters_andTheDependencyResultsInOrder()
      throws Exception {
    Map<String, JsonNode> deps = new LinkedHashMap<>();
    deps.put("s1", json("{\"text\": \"Audience: runners.\"}"));
    deps.put("s2", json("{\"seoScore\": 71, \"issues\": [\"no title\"]}"));
    StepRequest request =
        new StepRequest(
            "m",
            "ws",
            "s3",
            1,
            "content-orchestrator",
            "Write the copy",
            json("{\"tone\": \"warm\"}"),
            "Launch the shoe",
            0L,
            deps);

    String prompt = new PromptBuilder(PromptLimits.DEFAULT).userPrompt(request);

    assertThat(prompt)
        .isEqualTo(
            """
        Mission: Launch the shoe

        Your step (s3): Write the copy

        Parameters (JSON):
        {"tone":"warm"}

        Results of the steps this one builds on:
        --- s1 ---
        Audience: runners.
        --- s2 ---
        {"seoScore":71,"issues":["no title"]}
        """);
  }

  @Test
  void longParts_areCut_andSaySo_andDependenciesShareOneBudget() {
    PromptLimits limits = new PromptLimits(200, 100, 100, 300, 500);
    Map<String, JsonNode> deps = new LinkedHashMap<>();
    for (int i = 1; i <= 4; i++) {
      deps.put(
          "s" + i, Json.mapper().createObjectNode().put("text", ("result " + i + " ").repeat(100)));
    }
    StepRequest request =
        new StepRequest(
            "m", "ws", "s5", 1, "agent-scout", "a".repeat(1000), null, "m".repeat(5000), 0L, deps);

    String prompt = new PromptBuilder(limits).userPrompt(request);

    assertThat(prompt).contains("[… truncated: 4880 of 5000 characters left out]");
    assertThat(prompt).contains("--- s1 ---").contains("--- s2 ---");
    assertThat(prompt).doesNotContain("--- s3 ---").doesNotContain("--- s4 ---");
    assertThat(prompt).contains("[omitted over the prompt budget: the results of s3, s4]");
    String s1 = prompt.substring(prompt.indexOf("--- s1 ---"), prompt.indexOf("--- s2 ---"));
    assertThat(s1.length()).isLessThanOrEqualTo(300 + 20);
  }

  @Test
  void cut_neverSplitsASurrogatePair_andKeepsShortTextWhole() {
    assertThat(PromptBuilder.cut("short", 100)).isEqualTo("short");
    String emoji = "x".repeat(19) + "😀".repeat(100);
    String cut = PromptBuilder.cut(emoji, 100);
    assertThat(cut.length()).isLessThanOrEqualTo(100);
    assertThat(Character.isHighSurrogate(cut.charAt(cut.indexOf('\n') - 1))).isFalse();
  }
}
