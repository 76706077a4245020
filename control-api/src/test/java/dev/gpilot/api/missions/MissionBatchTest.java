package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MissionBatchTest {
  private static MissionBatch parse(String body) {
    return MissionBatch.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String line(String mission) {
    return "{\"mission\":\"" + mission + "\"}";
  }

  @Test
  void eachLineIsOneRequest_numberedAsInTheFile_blankLinesSkipped() {
    MissionBatch batch =
        parse(line("first") + "\n\n  \t\r\n" + line("second") + "\r\n" + line("third"));

    assertThat(batch.lines()).extracting(MissionBatch.Line::number).containsExactly(1, 4, 5);
    assertThat(batch.lines()).allSatisfy(l -> assertThat(l).isInstanceOf(MissionBatch.Valid.class));
    assertThat(batch.lines())
        .extracting(l -> ((MissionBatch.Valid) l).request().mission())
        .containsExactly("first", "second", "third");
  }

  @Test
  void aLineIsValidatedExactlyLikeTheSinglePost_sameRequestSameFingerprint() {
    String body = "{\"mission\":\" launch \",\"config\":{\"explicitAgents\":[\"agent-scout\"]}}";
    MissionRequest single =
        MissionRequest.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));

    MissionBatch.Valid line = (MissionBatch.Valid) parse(body + "\n").lines().get(0);

    assertThat(line.request()).isEqualTo(single);
    assertThat(line.idempotencyKey()).isNull();
  }

  @Test
  void idempotencyKey_isTakenOffTheLine_andDoesNotChangeTheRequest() {
    MissionBatch batch =
        parse(
            "{\"idempotencyKey\":\"order-17\",\"mission\":\"x\"}\n"
                + "{\"mission\":\"x\",\"idempotencyKey\":null}");

    MissionBatch.Valid keyed = (MissionBatch.Valid) batch.lines().get(0);
    MissionBatch.Valid plain = (MissionBatch.Valid) batch.lines().get(1);
    assertThat(keyed.idempotencyKey()).isEqualTo("order-17");
    assertThat(plain.idempotencyKey()).isNull();
    assertThat(keyed.request()).isEqualTo(plain.request());
  }

  @Test
  void badLines_eachCarryTheirOwnProblem_andTheOthersStayValid() {
    List<String> bad =
        List.of(
            "{not json", // 400 not JSON
            "[\"mission\"]", // 400 not an object
            "{\"mission\":\"x\",\"missionn\":1}", // 400 unknown field
            "{\"mission\":\"x\",\"idempotencyKey\":42}", // 400 key not a string
            "{\"mission\":\"x\",\"config\":{\"explicitAgents\":[\"ghost-writer\"]}}", // 422 unknown
            // agent
            "{\"mission\":\""
                + "x".repeat(MissionRequest.MAX_BODY_BYTES)
                + "\"}"); // 400 line over 256 KiB
    MissionBatch batch =
        parse(line("ok") + "\n" + String.join("\n", bad) + "\n" + line("also ok") + "\n");

    assertThat(batch.lines()).hasSize(8);
    assertThat(batch.lines().get(0)).isInstanceOf(MissionBatch.Valid.class);
    assertThat(batch.lines().get(7)).isInstanceOf(MissionBatch.Valid.class);
    List<ApiException> problems =
        batch.lines().subList(1, 7).stream()
            .map(l -> ((MissionBatch.Invalid) l).problem())
            .toList();
    assertThat(problems)
        .extracting(ApiException::status)
        .containsExactly(400, 400, 400, 400, 422, 400);
    assertThat(problems)
        .extracting(ApiException::getMessage)
        .satisfiesExactly(
            m -> assertThat(m).contains("the line is not valid JSON"),
            m -> assertThat(m).contains("must be a JSON object"),
            m -> assertThat(m).contains("unknown field 'missionn'"),
            m -> assertThat(m).contains("'idempotencyKey' must be a string"),
            m -> assertThat(m).contains("unknown agent 'ghost-writer'"),
            m -> assertThat(m).contains("over 256 KiB"));
  }

  @Test
  void aSinglePostBody_withIdempotencyKeyField_isStillAnUnknownField() {
    assertThatThrownBy(
            () ->
                MissionRequest.read(
                    new ByteArrayInputStream(
                        "{\"mission\":\"x\",\"idempotencyKey\":\"k\"}"
                            .getBytes(StandardCharsets.UTF_8))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("unknown field 'idempotencyKey'");
  }

  @Test
  void aThousandMissions_areOneBatch_oneMoreIsRefusedWhole() {
    String thousand = (line("m") + "\n").repeat(MissionBatch.MAX_LINES);
    assertThat(parse(thousand + "\n\n").lines()).hasSize(MissionBatch.MAX_LINES);

    assertThatThrownBy(() -> parse(thousand + line("one too many")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(413);
              assertThat(e.type()).isEqualTo("request-too-large");
            })
        .hasMessageContaining("at most 1000 missions");
  }

  @Test
  void aBodyOverEightMiB_isRefusedWhole() {
    String big = (line("x".repeat(100_000)) + "\n").repeat(84); // 84 lines of ~100 KB: over 8 MiB

    assertThatThrownBy(() -> parse(big))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(413));
  }

  @Test
  void aBodyWithoutAnyMission_is400() {
    for (String body : List.of("", "\n", " \r\n\t\n")) {
      assertThatThrownBy(() -> parse(body))
          .as("'%s'", body)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("no mission");
    }
  }
}
