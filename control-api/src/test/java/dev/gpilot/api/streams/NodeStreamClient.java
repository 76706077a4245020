package dev.gpilot.api.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/node/stream-client.mjs}: the Vercel AI SDK (the {@code ai} package from npm,
 * pinned in package-lock.json) consuming a mission stream with its own parser, chunk schema and
 * message reader. Installs the package with {@code npm ci} when {@code ./gpilot test} has not
 * already.
 */
public final class NodeStreamClient {
  /**
   * The node project: relative to the module (Maven runs tests there) or to the repository root
   * (the benchmark).
   */
  static final Path DIR =
      (Files.isDirectory(Path.of("src/test/node"))
              ? Path.of("src/test/node")
              : Path.of("control-api/src/test/node"))
          .toAbsolutePath();

  private NodeStreamClient() {}

  /**
   * {@code fetch} + {@code parseJsonEventStream(uiMessageChunkSchema)} + {@code
   * readUIMessageStream}.
   */
  public static JsonNode sse(String url, String token, String lastEventId) throws Exception {
    return lastEventId == null ? run("sse", url, token) : run("sse", url, token, lastEventId);
  }

  /** Starts {@link #sse} and returns at once; the future completes when the stream ended. */
  public static CompletableFuture<JsonNode> sseAsync(String url, String token) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return sse(url, token, null);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /**
   * {@code DefaultChatTransport.reconnectToStream}: what {@code useChat({resume: true})} requests.
   */
  public static JsonNode resume(String apiBase, String token, String missionId, String query)
      throws Exception {
    return query == null
        ? run("resume", apiBase, token, missionId)
        : run("resume", apiBase, token, missionId, query);
  }

  static synchronized void install() throws Exception {
    if (Files.isDirectory(DIR.resolve("node_modules/ai"))) {
      return;
    }
    Process npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
            .directory(DIR.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException("npm ci failed in " + DIR + ":\n" + output);
    }
  }

  private static JsonNode run(String... args) throws Exception {
    install();
    List<String> command = new ArrayList<>(List.of("node", "stream-client.mjs"));
    command.addAll(List.of(args));
    Process node =
        new ProcessBuilder(command)
            .directory(DIR.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    CompletableFuture<byte[]> stdout =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return node.getInputStream().readAllBytes();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    if (!node.waitFor(3, TimeUnit.MINUTES)) {
      node.destroyForcibly();
      throw new IllegalStateException(
          "node " + String.join(" ", args) + " did not finish in 3 minutes");
    }
    // One JSON line; a failure inside the script comes back as {"failure": "..."} for the test to
    // show.
    String out = new String(stdout.get(), StandardCharsets.UTF_8).strip();
    return Json.mapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
  }

  /** The chunks' types, in order. */
  public static List<String> types(JsonNode result) {
    List<String> types = new ArrayList<>();
    result.get("chunks").forEach(c -> types.add(c.get("type").asText()));
    return types;
  }
}
