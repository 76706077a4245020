package dev.gpilot.jobs.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepStarted;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.junit.jupiter.api.Test;

/**
 * Rows encoded upstream ({@link ClickHouseSink#rowEncoder}, then {@link
 * ClickHouseSink#encodedRows}) reach the insert as the sink would have encoded them itself: the
 * same bytes, format and columns.
 */
class EncodedRowsTest {
  private static final ClickHouseSinkOptions OPTIONS =
      new ClickHouseSinkOptions(
          "http://127.0.0.1:1", "db", 100, Duration.ofMillis(500), Duration.ofSeconds(1));

  @Test
  void encodedRows_insertTheBytesTheSinkWouldHaveEncoded() throws Exception {
    RowFormat<MissionEvent> format =
        RowFormat.jsonEachRow(RowEncoder.tree(MissionEventRows::encode));
    List<MissionEvent> events =
        List.of(
            new StepStarted("m-1", "ws", 1, 1_000, "running", "s1", "agent-scout", 1),
            new StepStarted("m-2", "ws", 7, 2_000, "running", "s\"2\n", "agent-é", 2));

    RowFormat.Batch<MissionEvent> direct = format.newBatch();
    ClickHouseSink<MissionEvent> sink = new ClickHouseSink<>(OPTIONS, "mission_events", format);
    RichMapFunction<MissionEvent, byte[]> encoder = sink.rowEncoder();
    encoder.open(DefaultOpenContext.INSTANCE);
    RowFormat<byte[]> encoded = RowFormat.encoded(format);
    RowFormat.Batch<byte[]> received = encoded.newBatch();

    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (MissionEvent event : events) {
      direct.add(event);
      byte[] expected = direct.drain();
      byte[] row = encoder.map(event);
      assertThat(new String(row, StandardCharsets.UTF_8))
          .isEqualTo(new String(expected, StandardCharsets.UTF_8))
          .contains("\"mission_id\":\"" + event.missionId() + "\"");
      received.add(row);
      assertThat(received.drain()).isEqualTo(expected);
      all.writeBytes(expected);
    }
    // More than one row in a batch: one after the other, as the format's own batch would have them.
    for (MissionEvent event : events) {
      received.add(encoder.map(event));
    }
    assertThat(received.drain()).isEqualTo(all.toByteArray());
    assertThat(encoded.name()).isEqualTo(format.name());
    assertThat(encoded.columns()).isEqualTo(format.columns());
    assertThat(sink.encodedRows()).isNotNull();
  }
}
