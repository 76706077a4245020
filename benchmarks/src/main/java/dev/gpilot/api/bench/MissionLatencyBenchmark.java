package dev.gpilot.api.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./gpilot bench latency}: for missions of 3 steps submitted one after another, the time
 * from sending the POST to receiving the mission's first and last event on its stream. Prints and
 * saves p50/p95/p99.
 *
 * <p>Arguments: apiBaseUrl token outputFile [missions=50]
 */
public final class MissionLatencyBenchmark {
  private static final Pattern MISSION_ID = Pattern.compile("\"missionId\":\"([^\"]+)\"");

  public static void main(String[] args) throws Exception {
    String api = args[0];
    String token = args[1];
    Path output = Path.of(args[2]);
    int missions = BenchMain.intArg(args, 3, 50);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String body =
        "{\"mission\":\"latency probe\",\"config\":{\"planner\":\"deterministic\",\"explicitAgents\":"
            + "[\"agent-scout\",\"content-orchestrator\",\"independent-verifier\"]}}";

    for (int i = 0; i < 5; i++) {
      measure(http, api, token, body); // warm-up
    }
    long[] first = new long[missions];
    long[] last = new long[missions];
    for (int i = 0; i < missions; i++) {
      long[] t = measure(http, api, token, body);
      first[i] = t[0];
      last[i] = t[1];
    }
    String json =
        String.format(
            Locale.ROOT,
            "{\"missions\": %d, \"steps\": 3, \"firstEventMs\": {\"p50\": %.1f, \"p95\": %.1f, \"p99\": %.1f},"
                + " \"lastEventMs\": {\"p50\": %.1f, \"p95\": %.1f, \"p99\": %.1f}}%n",
            missions,
            p(first, 50),
            p(first, 95),
            p(first, 99),
            p(last, 50),
            p(last, 95),
            p(last, 99));
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json);
    System.out.print(json);
  }

  /** Returns nanos from POST to the first and to the final event. */
  private static long[] measure(HttpClient http, String api, String token, String body)
      throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> accepted =
        http.send(
            HttpRequest.newBuilder(URI.create(api + "/api/v1/missions"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = MISSION_ID.matcher(accepted.body());
    if (accepted.statusCode() != 202 || !m.find()) {
      throw new IllegalStateException(
          "POST failed: " + accepted.statusCode() + " " + accepted.body());
    }
    HttpResponse<InputStream> stream =
        http.send(
            HttpRequest.newBuilder(URI.create(api + "/api/v1/missions/" + m.group(1) + "/stream"))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    long first = -1;
    long last = -1;
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("data:")) {
          long now = System.nanoTime();
          if (first < 0) {
            first = now - t0;
          }
          last = now - t0;
        }
      }
    }
    return new long[] {first, last};
  }

  private static double p(long[] values, int percentile) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int index =
        (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}
