package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MissionRequestTest {
  private static MissionRequest parse(String body) {
    return MissionRequest.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static void rejected(String body, String detail) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining(detail);
  }

  @Test
  void validRequest_isTrimmed_andHashedCanonically() {
    MissionRequest a =
        parse("{\"mission\":\"  launch \",\"config\":{\"explicitAgents\":[\"agent-scout\"]}}");
    MissionRequest b =
        parse("{ \"config\": {\"explicitAgents\": [\"agent-scout\"]}, \"mission\": \"launch\" }");
    assertThat(a.mission()).isEqualTo("launch");
    assertThat(a.config().explicitAgents()).containsExactly("agent-scout");
    assertThat(a.requestHash()).isEqualTo(b.requestHash());
    assertThat(parse("{\"mission\":\"other\"}").requestHash()).isNotEqualTo(a.requestHash());
  }

  @Test
  void eachKindOfBadBody_isRejectedWithTheReason() {
    rejected("", "empty");
    rejected("{\"mission\":", "not valid JSON");
    rejected("42", "must be a JSON object");
    rejected("{\"config\":{}}", "'mission' is required");
    rejected("{\"mission\":\"\"}", "must not be blank");
    rejected("{\"mission\":true}", "'mission' must be a string");
    rejected("{\"mission\":\"x\",\"config\":[]}", "'config' must be an object");
    rejected(
        "{\"mission\":\"x\",\"config\":{\"explicitAgents\":[\"Bad Name\"]}}", "explicitAgents[0]");
    rejected("{\"mission\":\"x\",\"missionn\":1}", "unknown field 'missionn'");
    rejected("{\"mission\":\"x\",\"mission\":\"y\"}", "not valid JSON");
    rejected("{\"mission\":\"" + "x".repeat(MissionRequest.MAX_BODY_BYTES) + "\"}", "over 256 KiB");
  }

  @Test
  void explicitAgents_namingAnAgentNotInTheCatalog_is422InvalidPlan_likeAPlanThatNamesIt() {
    String agents =
        "{\"mission\":\"x\",\"config\":{\"explicitAgents\":[\"agent-scout\",\"ghost-writer\"]}}";
    String plan =
        "{\"mission\":\"x\",\"config\":{\"plan\":{\"steps\":[{\"id\":\"a\",\"agent\":\"ghost-writer\"}]}}}";
    for (String body : java.util.List.of(agents, plan)) {
      assertThatThrownBy(() -> parse(body))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).as(body).isEqualTo(422);
                assertThat(e.type()).as(body).isEqualTo("invalid-plan");
              })
          .hasMessageContaining("unknown agent 'ghost-writer'")
          .hasMessageContaining("known agents: ");
    }
    assertThatThrownBy(() -> parse(agents)).hasMessageContaining("config.explicitAgents[1]");
  }
}
