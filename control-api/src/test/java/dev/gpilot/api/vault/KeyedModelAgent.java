package dev.gpilot.api.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.vault.SecretNames;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.vault.ApiKeyResolver;
import dev.gpilot.jobs.vault.KeyRequest;
import dev.gpilot.jobs.vault.ResolvedKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/**
 * An agent wired the way the Gemini agent is meant to be: before each model call it asks the {@link ApiKeyResolver}
 * for the workspace's key and sends it as {@code x-goog-api-key} to a Gemini-compatible endpoint (here a recording
 * stand-in). The key lives only for the call.
 */
final class KeyedModelAgent implements Agent {
  private final ApiKeyResolver keys;
  private final URI model;
  private final HttpClient http = HttpClient.newHttpClient();

  KeyedModelAgent(ApiKeyResolver keys, URI model) {
    this.keys = keys;
    this.model = model;
  }

  @Override
  public CompletableFuture<JsonNode> run(StepRequest request) {
    ResolvedKey key;
    try {
      key = keys.keyFor(KeyRequest.forStep(request, SecretNames.GEMINI));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    HttpRequest call = HttpRequest.newBuilder(model.resolve("/v1beta/models/gemini-test:generateContent"))
        .header("x-goog-api-key", key.revealForUse())
        .header("x-test-mission", request.missionId())
        .POST(HttpRequest.BodyPublishers.ofString("{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}"))
        .build();
    return http.sendAsync(call, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
      ObjectNode out = Json.mapper().createObjectNode();
      out.put("status", response.statusCode());
      out.put("keySource", key.source().name());
      out.put("keyVersion", key.keyVersion());
      return out;
    });
  }

  @Override
  public void close() {
    keys.close();
  }
}
