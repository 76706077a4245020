package dev.gpilot.jobs.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class RowBinaryFormatTest {
  record Row(String text, boolean flag, long small, long big, long signed, long seconds) {}

  private static final RowBinaryFormat<Row> FORMAT =
      RowBinaryFormat.<Row>builder()
          .string("text", Row::text)
          .flag("flag", Row::flag)
          .uint32("small", Row::small)
          .uint64("big", Row::big)
          .int64("signed", Row::signed)
          .dateTime("seconds", Row::seconds)
          .build();

  @Test
  void writesEachColumnInItsWidth_littleEndian_stringsAsUtf8WithTheirLength() throws Exception {
    RowFormat.Batch<Row> batch = FORMAT.newBatch();
    batch.add(new Row("é\t", true, 0x01020304L, Long.MAX_VALUE, -2, 0xFFFF_FFFFL));

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(
        new byte[] {3, (byte) 0xC3, (byte) 0xA9, '\t'}); // "é\t": 3 UTF-8 bytes, nothing escaped
    expected.write(1);
    expected.writeBytes(new byte[] {4, 3, 2, 1});
    expected.writeBytes(new byte[] {-1, -1, -1, -1, -1, -1, -1, 0x7F});
    expected.writeBytes(new byte[] {-2, -1, -1, -1, -1, -1, -1, -1});
    expected.writeBytes(new byte[] {-1, -1, -1, -1});
    assertThat(batch.drain()).isEqualTo(expected.toByteArray());
    assertThat(FORMAT.columns())
        .containsExactly("text", "flag", "small", "big", "signed", "seconds");
    assertThat(FORMAT.name()).isEqualTo("RowBinary");
  }

  @Test
  void longStrings_takeAMultiByteLength_nullIsEmpty_andADrainedBatchStartsOver() throws Exception {
    RowBinaryFormat<String> format = RowBinaryFormat.<String>builder().string("s", s -> s).build();
    RowFormat.Batch<String> batch = format.newBatch();
    String longText = "x".repeat(300);
    batch.add(longText);
    byte[] first = batch.drain();
    assertThat(first).hasSize(2 + 300);
    assertThat(first[0] & 0xFF)
        .isEqualTo(0x80 | (300 & 0x7F)); // 300 = 0b10_0101100: low 7 bits first
    assertThat(first[1]).isEqualTo((byte) 2);
    assertThat(new String(first, 2, 300, StandardCharsets.UTF_8)).isEqualTo(longText);

    batch.add(null);
    assertThat(batch.drain()).containsExactly(0);
    assertThat(batch.drain()).isEmpty();
  }

  @Test
  void valuesOutsideTheirColumn_areRefused_notWrapped() {
    RowFormat.Batch<Row> batch = FORMAT.newBatch();
    assertThatThrownBy(() -> batch.add(new Row("", false, -1, 0, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("small = -1");
    assertThatThrownBy(() -> batch.add(new Row("", false, 1L << 32, 0, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("small");
    assertThatThrownBy(() -> batch.add(new Row("", false, 0, -5, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("big = -5");
    assertThatThrownBy(() -> batch.add(new Row("", false, 0, 0, 0, 1L << 32)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seconds");
  }

  @Test
  void aFormatIsSerializable_asTheSinkThatShipsItToTheTaskManagers() throws Exception {
    RowBinaryFormat<Row> copy = InstantiationUtil.clone(FORMAT);
    RowFormat.Batch<Row> batch = copy.newBatch();
    batch.add(new Row("a", false, 1, 2, 3, 4));
    RowFormat.Batch<Row> original = FORMAT.newBatch();
    original.add(new Row("a", false, 1, 2, 3, 4));
    assertThat(batch.drain()).isEqualTo(original.drain());
  }

  @Test
  void aColumnDeclaredTwice_orNone_isAMistakeFoundWhenBuilt() {
    assertThatThrownBy(
            () -> RowBinaryFormat.<Row>builder().string("a", Row::text).flag("a", Row::flag))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column a is declared twice");
    assertThatThrownBy(() -> RowBinaryFormat.<Row>builder().build())
        .isInstanceOf(IllegalStateException.class);
  }
}
