package dev.gpilot.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.vault.VaultKeyResolverOptions;
import dev.gpilot.testing.Schemas;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tokens streamed out of a durable workflow: with streaming calls on, a step's model text reaches
 * the mission's stream as {@code step.delta} events, in the mission's sequence, before the step's
 * result.
 */
class StepDeltaITCase {
  private static final String TOKEN = "delta-token";

  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          // Each answer takes 2 s and its four chunks arrive 500 ms apart, as a model's tokens do:
          // the first delta has a second and a half on the result. With no latency the whole
          // stream arrives at once, and the result (inside the job) can reach the scheduler
          // before the first delta has made the round trip through its topic.
          .standin(2_000)
          .agents(
              stack ->
                  new AgentOptions(
                      AgentOptions.Backend.GEMINI,
                      GeminiOptions.of(
                              DeploymentKey.insecureInJobGraph(ApiKey.of("delta-key")),
                              stack.standin().baseUrl())
                          .withStreaming(true),
                      3,
                      Duration.ofMillis(100),
                      Duration.ofSeconds(1),
                      new VaultKeyResolverOptions(
                          stack.kafka().bootstrapServers(),
                          VaultKeyOptions.localKeyset(
                              Files.createTempDirectory("deltas")
                                  .resolve("master.json")
                                  .toString()),
                          "UNUSED")))
          .parallelism(1)
          .streamWriterThreads(2)
          .token(TOKEN, new Principal("default", "tester"))
          .build();

  @Test
  void streamingStep_sendsItsTextAsDeltaEvents_beforeItsResult_inTheOrderOfTheOutput()
      throws Exception {
    ApiClient api = STACK.client(TOKEN);
    String missionId =
        api.submit(
            ApiClient.missionBody(
                "deterministic", "Write a short launch note", "content-orchestrator"));
    List<JsonNode> events = api.events(missionId);

    List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
    assertThat(types).last().isEqualTo(EventTypes.MISSION_COMPLETED);
    List<JsonNode> deltas =
        events.stream().filter(e -> e.get("type").asText().equals(EventTypes.STEP_DELTA)).toList();
    assertThat(deltas).isNotEmpty();
    deltas.forEach(d -> assertThat(Schemas.problems("mission-event.v1", d)).isEmpty());
    int firstDelta = types.indexOf(EventTypes.STEP_DELTA);
    assertThat(firstDelta)
        .isGreaterThan(types.indexOf(EventTypes.STEP_STARTED))
        .isLessThan(types.indexOf(EventTypes.STEP_COMPLETED));
    StringBuilder text = new StringBuilder();
    deltas.forEach(d -> text.append(d.get("text").asText()));
    JsonNode completed = events.get(types.indexOf(EventTypes.STEP_COMPLETED));
    // Deltas are best effort (SPEC §3): they travel on their own topic, so the last ones can reach
    // the scheduler after
    // the result and are dropped. What arrived is the output's beginning, in order, never other
    // text.
    String output = completed.at("/output/text").asText();
    assertThat(output).startsWith(text.toString());

    // What useChat renders: the step's text part, from the deltas that made it and the rest of the
    // output, is the output's text.
    String stream = api.get("/api/v1/missions/" + missionId + "/stream").body();
    String textId =
        "text-" + completed.get("stepId").asText() + "-" + completed.get("attempt").asInt();
    StringBuilder rendered = new StringBuilder();
    for (String line : stream.lines().toList()) {
      if (line.startsWith("data: {")) {
        JsonNode chunk = Json.mapper().readTree(line.substring(6));
        if (chunk.path("type").asText().equals("text-delta")
            && chunk.get("id").asText().equals(textId)) {
          rendered.append(chunk.get("delta").asText());
        }
      }
    }
    assertThat(rendered.toString()).isEqualTo(output);
  }
}
