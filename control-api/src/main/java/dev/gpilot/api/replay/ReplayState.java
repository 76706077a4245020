package dev.gpilot.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch replay's state file, {@code <dir>/<run>.state}: its first line the run's options (JSON),
 * then one line per mission it is done with, appended and flushed as soon as it is: {@code
 * {"original", "fork"}} for a fork submitted, {@code {"original", "skipped", "detail"}} for one the
 * API refused. A run resumed with the same id skips them all; a line cut short by a crash is
 * ignored (that mission is tried again, under the same Idempotency-Key: the API answers with the
 * fork it made, if it made one).
 */
final class ReplayState {
  /** One mission the run is done with: {@code fork} null when it was skipped. */
  record Done(String original, String fork, String skipped, String detail) {}

  private final Path file;
  private final JsonNode options;
  private final Map<String, Done> done = new LinkedHashMap<>();

  private ReplayState(Path file, JsonNode options) {
    this.file = file;
    this.options = options;
  }

  static Path file(Path dir, String runId) {
    return dir.resolve(runId + ".state");
  }

  /** Starts a run's file with its options. */
  static ReplayState create(Path dir, String runId, ObjectNode options) {
    Path file = file(dir, runId);
    try {
      Files.createDirectories(dir);
      Files.writeString(
          file,
          Json.mapper().writeValueAsString(options) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the run's state file " + file + ": " + e.getMessage(), e);
    }
    return new ReplayState(file, options);
  }

  /** Reads a run's file; empty options when it does not exist. */
  static ReplayState read(Path dir, String runId) {
    Path file = file(dir, runId);
    if (!Files.exists(file)) {
      return null;
    }
    List<String> lines;
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      if (!text.isEmpty() && !text.endsWith("\n")) {
        // A line cut short by a crash: ended here, so the next line appended is a line of its own.
        Files.writeString(
            file, "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
      }
      lines = text.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    ReplayState state = new ReplayState(file, parse(lines.isEmpty() ? "{}" : lines.get(0)));
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      JsonNode entry = parse(line);
      if (entry != null && entry.hasNonNull("original")) {
        String original = entry.get("original").asText();
        state.done.put(
            original,
            new Done(
                original,
                entry.path("fork").asText(null),
                entry.path("skipped").asText(null),
                entry.path("detail").asText(null)));
      }
    }
    return state;
  }

  private static JsonNode parse(String line) {
    try {
      return Json.mapper().readTree(line);
    } catch (IOException e) {
      return null; // a line cut short by a crash
    }
  }

  JsonNode options() {
    return options;
  }

  Path file() {
    return file;
  }

  boolean isDone(String original) {
    return done.containsKey(original);
  }

  /** Every mission done, in the order they were done. */
  List<Done> done() {
    return List.copyOf(done.values());
  }

  void forked(String original, String fork) {
    append(new Done(original, fork, null, null));
  }

  void skipped(String original, String problem, String detail) {
    append(new Done(original, null, problem, detail));
  }

  private void append(Done entry) {
    ObjectNode line = Json.mapper().createObjectNode().put("original", entry.original());
    if (entry.fork() != null) {
      line.put("fork", entry.fork());
    } else {
      line.put("skipped", entry.skipped()).put("detail", entry.detail());
    }
    try {
      Files.writeString(
          file,
          Json.mapper().writeValueAsString(line) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND,
          StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    done.put(entry.original(), entry);
  }
}
