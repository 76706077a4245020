package dev.gpilot.standin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An offline stand-in for the Gemini API, speaking its REST protocol as the google-genai SDK calls
 * it: {@code POST /{version}/models/{model}:generateContent} and {@code
 * :streamGenerateContent?alt=sse}. Answers are deterministic (the same request gives the same
 * answer), with {@code usageMetadata} counted from the text, a structured answer when the request
 * has a response schema, and {@code modelVersion} {@value #MODEL_VERSION_PREFIX}{@code <model>} so
 * that whatever records the model shows it ran on the stand-in.
 *
 * <p>Token counts: a text of {@code c} characters is {@code ceil(c / 4)} tokens. {@code
 * promptTokenCount} counts the system instruction and the contents; {@code cachedContentTokenCount}
 * is the system instruction's tokens (the stand-in treats it as a cached prefix) when it has at
 * least {@value #MIN_CACHED_TOKENS}; {@code candidatesTokenCount} counts the answer; {@code
 * thoughtsTokenCount} is twice the answer for models named {@code *pro*}, once for other 2.5+
 * models, none for {@code *lite*} and {@code gemini-2.0*} models or when the request sets {@code
 * thinkingBudget: 0}.
 *
 * <p>Latency: each answer is sent {@code latencyMs} after the request arrived (a streamed answer
 * ends then, its chunks spread over that time), from a timer: waiting holds no thread, so the
 * stand-in serves any number of concurrent calls with a handful of threads.
 *
 * <p>Admin endpoints (no auth; bind to loopback): {@code POST /admin/faults} queues {@link Fault}s
 * (one object or an array), {@code DELETE /admin/faults} clears them, {@code GET /admin/calls}
 * lists the recorded {@link CallRecord}s (the last 10,000), {@code DELETE /admin/calls} forgets
 * them, {@code GET /health}.
 *
 * <p>Calls are recorded with the caller's identity headers when it sends them: {@value
 * #MISSION_HEADER}, {@value #STEP_HEADER}, {@value #ATTEMPT_HEADER}.
 */
public final class GeminiStandin implements AutoCloseable {
  public static final String MODEL_VERSION_PREFIX = "gpilot-standin/";
  public static final String MISSION_HEADER = "x-gpilot-mission-id";
  public static final String STEP_HEADER = "x-gpilot-step-id";
  public static final String ATTEMPT_HEADER = "x-gpilot-attempt";
  static final int MIN_CACHED_TOKENS = 16;
  private static final int MAX_RECORDED_CALLS = 10_000;
  private static final Pattern MODEL_CALL =
      Pattern.compile(
          "^/(v1|v1beta|v1alpha)/models/([^/:]+):(generateContent|streamGenerateContent)$");
  private static final Pattern MISSION_LINE = Pattern.compile("(?im)^\\s*mission\\s*:\\s*(.+)$");

  private final ObjectMapper mapper =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private final long latencyMs;
  private final HttpServer server;
  private final ExecutorService handlers;
  private final ScheduledExecutorService timer;

  /**
   * Queued faults, in order, each with when it was queued (a {@code forMs} fault lasts from then).
   */
  private final List<Queued> faults = new ArrayList<>();

  private final ArrayDeque<CallRecord> calls = new ArrayDeque<>();
  private final AtomicLong callSeq = new AtomicLong();

  private GeminiStandin(String host, int port, long latencyMs) throws IOException {
    this.latencyMs = latencyMs;
    this.handlers = Executors.newFixedThreadPool(4, named("standin-http"));
    this.timer = Executors.newSingleThreadScheduledExecutor(named("standin-timer"));
    this.server = HttpServer.create(new InetSocketAddress(host, port), 1024);
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts a stand-in on {@code host:port} (port 0: any free port).
   *
   * @param latencyMs how long each answer takes
   */
  public static GeminiStandin start(String host, int port, long latencyMs) throws IOException {
    if (latencyMs < 0) {
      throw new IllegalArgumentException("latencyMs must be >= 0");
    }
    return new GeminiStandin(host, port, latencyMs);
  }

  /** Starts a stand-in on a free loopback port. */
  public static GeminiStandin start(long latencyMs) throws IOException {
    return start("127.0.0.1", 0, latencyMs);
  }

  /**
   * Runs the stand-in until the process is stopped. Environment: {@code GPILOT_STANDIN_HOST}
   * (127.0.0.1), {@code GPILOT_STANDIN_PORT} (8090), {@code GPILOT_SIM_LATENCY_MS} (0).
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    String host = env.getOrDefault("GPILOT_STANDIN_HOST", "127.0.0.1");
    int port = Integer.parseInt(env.getOrDefault("GPILOT_STANDIN_PORT", "8090").strip());
    long latency = Long.parseLong(env.getOrDefault("GPILOT_SIM_LATENCY_MS", "0").strip());
    GeminiStandin standin = start(host, port, latency);
    Runtime.getRuntime().addShutdownHook(new Thread(standin::close, "standin-shutdown"));
    System.out.printf(
        "Gemini stand-in listening on %s (latency %d ms)%n", standin.baseUrl(), latency);
    Thread.currentThread().join();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The base URL to give the SDK ({@code HttpOptions.baseUrl}). */
  public String baseUrl() {
    return "http://" + server.getAddress().getHostString() + ":" + port();
  }

  /**
   * Queues faults for the next matching calls (or, with {@code forMs}, every matching call for a
   * while), in order.
   */
  public void inject(Fault... more) {
    long now = System.nanoTime();
    synchronized (faults) {
      for (Fault fault : more) {
        faults.add(new Queued(fault, now));
      }
    }
  }

  private record Queued(Fault fault, long queuedAtNanos) {
    boolean expired(long now) {
      return fault.forMs() != null
          && now - queuedAtNanos >= TimeUnit.MILLISECONDS.toNanos(fault.forMs());
    }
  }

  public void clearFaults() {
    synchronized (faults) {
      faults.clear();
    }
  }

  /** The calls answered so far, oldest first (at most the last 10,000). */
  public List<CallRecord> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  public void clearCalls() {
    synchronized (calls) {
      calls.clear();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    timer.shutdownNow();
    handlers.shutdownNow();
  }

  // ------------------------------------------------------------------ HTTP

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      Matcher call = MODEL_CALL.matcher(path);
      if (call.matches() && method.equals("POST")) {
        modelCall(exchange, call.group(2), call.group(3).equals("streamGenerateContent"));
      } else if (path.equals("/health")) {
        send(
            exchange,
            200,
            "application/json",
            "{\"status\":\"UP\",\"latencyMs\":" + latencyMs + "}");
      } else if (path.equals("/admin/faults") && method.equals("POST")) {
        JsonNode body = mapper.readTree(readBody(exchange));
        List<Fault> parsed =
            body != null && body.isArray()
                ? mapper.convertValue(body, new TypeReference<List<Fault>>() {})
                : List.of(mapper.convertValue(body, Fault.class));
        inject(parsed.toArray(Fault[]::new));
        send(exchange, 204, null, null);
      } else if (path.equals("/admin/faults") && method.equals("DELETE")) {
        clearFaults();
        send(exchange, 204, null, null);
      } else if (path.equals("/admin/calls") && method.equals("GET")) {
        send(
            exchange, 200, "application/json", mapper.writeValueAsString(Map.of("calls", calls())));
      } else if (path.equals("/admin/calls") && method.equals("DELETE")) {
        clearCalls();
        send(exchange, 204, null, null);
      } else {
        send(
            exchange,
            404,
            "application/json",
            errorBody(404, "NOT_FOUND", "no such endpoint: " + method + " " + path));
      }
    } catch (IllegalArgumentException | IOException e) {
      send(
          exchange,
          400,
          "application/json",
          errorBody(400, "INVALID_ARGUMENT", String.valueOf(e.getMessage())));
    } catch (RuntimeException e) {
      send(exchange, 500, "application/json", errorBody(500, "INTERNAL", String.valueOf(e)));
    }
  }

  private void modelCall(HttpExchange exchange, String model, boolean stream) throws IOException {
    long arrived = System.nanoTime();
    String apiKey = exchange.getRequestHeaders().getFirst("x-goog-api-key");
    if (apiKey == null) {
      apiKey = queryParam(exchange.getRequestURI(), "key");
    }
    Caller caller = Caller.of(exchange);
    JsonNode request = mapper.readTree(readBody(exchange));
    if (request == null || !request.isObject()) {
      throw new IllegalArgumentException("the request body must be a JSON object");
    }
    if (apiKey == null || apiKey.isBlank()) {
      record(caller, model, stream, null, 403, Usage.NONE, false, null, null);
      send(
          exchange,
          403,
          "application/json",
          errorBody(
              403,
              "PERMISSION_DENIED",
              "Method doesn't allow unregistered callers. Please use an API key."));
      return;
    }
    Prompt prompt = Prompt.of(request);
    Fault fault = takeFault(prompt.all(), model);
    JsonNode config = request.path("generationConfig");
    JsonNode schema =
        config.has("responseJsonSchema")
            ? config.get("responseJsonSchema")
            : config.get("responseSchema");
    boolean structured = schema != null && schema.isObject();
    String keyHash = sha256(apiKey);

    long delay = latencyMs + (fault != null && fault.delayMs() != null ? fault.delayMs() : 0);
    long remaining =
        Math.max(0, delay - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - arrived));

    if (fault != null && fault.status() != null) {
      int status = fault.status();
      String message = fault.message() != null ? fault.message() : defaultMessage(status);
      record(caller, model, stream, keyHash, status, Usage.NONE, structured, null, fault);
      Integer retryAfter = fault.retryAfterSeconds();
      if (retryAfter != null) {
        exchange.getResponseHeaders().set("Retry-After", String.valueOf(retryAfter));
      }
      later(
          remaining,
          () ->
              send(
                  exchange,
                  status,
                  "application/json",
                  errorBody(status, statusName(status), message, retryAfter)));
      return;
    }

    String finishReason =
        fault != null && fault.finishReason() != null ? fault.finishReason() : "STOP";
    boolean blocked = !finishReason.equals("STOP") && !finishReason.equals("MAX_TOKENS");
    String text;
    if (blocked) {
      text = "";
    } else if (fault != null && fault.text() != null) {
      text = fault.text();
    } else if (structured) {
      String json =
          mapper.writeValueAsString(
              new SchemaInstances(mapper, schema, prompt.all(), prompt.mission()).instance());
      text =
          fault != null && Boolean.TRUE.equals(fault.malformedJson())
              ? json.substring(0, Math.max(1, json.length() * 2 / 3))
              : json;
    } else {
      text = freeText(model, prompt);
    }
    if (!blocked && fault != null && Boolean.TRUE.equals(fault.malformedJson()) && !structured) {
      text = "{\"unterminated\": \"" + text;
    }
    Usage usage = Usage.count(model, prompt, text, config, fault);
    record(caller, model, stream, keyHash, 200, usage, structured, finishReason, fault);
    String answer = text;
    if (stream) {
      streamAnswer(exchange, model, answer, finishReason, usage, remaining);
    } else {
      String body = mapper.writeValueAsString(response(model, text, finishReason, usage, true));
      later(remaining, () -> send(exchange, 200, "application/json", body));
    }
  }

  private ObjectNode response(
      String model, String text, String finishReason, Usage usage, boolean withUsage) {
    ObjectNode response = mapper.createObjectNode();
    ArrayNode candidates = response.putArray("candidates");
    ObjectNode candidate = candidates.addObject();
    if (!text.isEmpty()) {
      ObjectNode content = candidate.putObject("content");
      content.putArray("parts").addObject().put("text", text);
      content.put("role", "model");
    }
    if (finishReason != null) {
      candidate.put("finishReason", finishReason);
      if (!finishReason.equals("STOP") && !finishReason.equals("MAX_TOKENS")) {
        ArrayNode ratings = candidate.putArray("safetyRatings");
        ratings
            .addObject()
            .put("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
            .put("probability", "HIGH")
            .put("blocked", true);
      }
    }
    candidate.put("index", 0);
    if (withUsage) {
      response.set("usageMetadata", usage.toJson(mapper));
    }
    response.put("modelVersion", MODEL_VERSION_PREFIX + model);
    response.put("responseId", "standin-" + callSeq.get());
    return response;
  }

  /**
   * SSE: a few chunks of the text, the finish reason and usage on the last one; no {@code [DONE]}
   * (as Gemini). The headers go at once and the chunks are spread over the answer's delay, chunk
   * {@code i} of {@code n} at {@code delay * (i + 1) / n}, as a model's tokens arrive over its
   * generation time: with a latency, a streaming client sees the first text well before the last.
   */
  private void streamAnswer(
      HttpExchange exchange,
      String model,
      String text,
      String finishReason,
      Usage usage,
      long delayMs)
      throws IOException {
    List<String> chunks = chunks(text, 4);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    for (int i = 0; i < chunks.size(); i++) {
      boolean last = i == chunks.size() - 1;
      String event =
          "data: "
              + mapper.writeValueAsString(
                  response(model, chunks.get(i), last ? finishReason : null, usage, last))
              + "\r\n\r\n";
      later(
          delayMs * (i + 1) / chunks.size(),
          () -> {
            try {
              out.write(event.getBytes(StandardCharsets.UTF_8));
              out.flush();
              if (last) {
                out.close();
              }
            } catch (IOException e) {
              exchange.close(); // the client went away
            }
          });
    }
  }

  static List<String> chunks(String text, int n) {
    List<String> chunks = new ArrayList<>();
    if (text.isEmpty()) {
      chunks.add("");
      return chunks;
    }
    int size = Math.max(1, (text.length() + n - 1) / n);
    for (int i = 0; i < text.length(); i += size) {
      chunks.add(text.substring(i, Math.min(text.length(), i + size)));
    }
    return chunks;
  }

  private String freeText(String model, Prompt prompt) {
    String role =
        prompt.system().isBlank()
            ? "assistant"
            : SchemaInstances.abbreviate(
                prompt.system().split("[.\\n]", 2)[0].replaceFirst("(?i)^you are (the |an? )?", ""),
                40);
    String task = SchemaInstances.abbreviate(prompt.task(), 160);
    String digest = sha256(prompt.all()).substring(0, 8);
    return "Simulated answer from "
        + role
        + " ("
        + model
        + " on the G-Pilot stand-in): "
        + task
        + " Key points: first, scope the work; second, deliver it in small steps; third, verify the result."
        + " Reference "
        + digest
        + ".";
  }

  /**
   * The first queued fault that applies: a timed one stays (until it expires), a counted one is
   * used up.
   */
  private Fault takeFault(String prompt, String model) {
    long now = System.nanoTime();
    synchronized (faults) {
      faults.removeIf(q -> q.expired(now));
      for (int i = 0; i < faults.size(); i++) {
        Queued q = faults.get(i);
        Fault f = q.fault();
        if (!f.applies(prompt, model)) {
          continue;
        }
        if (f.forMs() == null) {
          int left = f.timesOrOne() - 1;
          if (left == 0) {
            faults.remove(i);
          } else {
            faults.set(i, new Queued(f.repeat(left), q.queuedAtNanos()));
          }
        }
        return f;
      }
      return null;
    }
  }

  /** Who made a call, from the identity headers the job sends (each may be absent). */
  private record Caller(String missionId, String stepId, Integer attempt) {
    static Caller of(HttpExchange exchange) {
      String attempt = exchange.getRequestHeaders().getFirst(ATTEMPT_HEADER);
      Integer number = null;
      if (attempt != null) {
        try {
          number = Integer.valueOf(attempt.strip());
        } catch (NumberFormatException e) {
          // Not a number: recorded as absent rather than refusing the call.
        }
      }
      return new Caller(
          exchange.getRequestHeaders().getFirst(MISSION_HEADER),
          exchange.getRequestHeaders().getFirst(STEP_HEADER),
          number);
    }
  }

  private void record(
      Caller caller,
      String model,
      boolean stream,
      String keyHash,
      int status,
      Usage usage,
      boolean structured,
      String finishReason,
      Fault fault) {
    CallRecord record =
        new CallRecord(
            callSeq.incrementAndGet(),
            System.currentTimeMillis(),
            caller.missionId(),
            caller.stepId(),
            caller.attempt(),
            model,
            stream,
            keyHash,
            status,
            usage.prompt,
            usage.candidates,
            usage.thoughts,
            usage.cached,
            structured,
            finishReason,
            fault);
    synchronized (calls) {
      calls.addLast(record);
      while (calls.size() > MAX_RECORDED_CALLS) {
        calls.removeFirst();
      }
    }
  }

  private void later(long delayMs, IoAction action) {
    Runnable run =
        () -> {
          try {
            action.run();
          } catch (IOException e) {
            // The client went away; nothing to answer.
          }
        };
    if (delayMs <= 0) {
      run.run();
    } else {
      timer.schedule(run, delayMs, TimeUnit.MILLISECONDS);
    }
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    try (exchange) {
      if (body == null) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private String errorBody(int code, String status, String message) {
    return errorBody(code, status, message, null);
  }

  /**
   * Gemini's error body; with {@code retryAfterSeconds}, a {@code google.rpc.RetryInfo} detail as
   * Gemini sends.
   */
  private String errorBody(int code, String status, String message, Integer retryAfterSeconds) {
    ObjectNode body = mapper.createObjectNode();
    ObjectNode error =
        body.putObject("error").put("code", code).put("message", message).put("status", status);
    if (retryAfterSeconds != null) {
      error
          .putArray("details")
          .addObject()
          .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
          .put("retryDelay", retryAfterSeconds + "s");
    }
    return body.toString();
  }

  private static String defaultMessage(int status) {
    return switch (status) {
      case 429 -> "Resource has been exhausted (e.g. check quota).";
      case 500 ->
          "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
      case 503 -> "The model is overloaded. Please try again later.";
      case 400 -> "Request contains an invalid argument.";
      case 403 -> "The caller does not have permission";
      case 404 -> "models/unknown is not found for API version v1beta";
      default -> "Injected error " + status + ".";
    };
  }

  private static String statusName(int status) {
    return switch (status) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    };
  }

  private static String readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String queryParam(URI uri, String name) {
    String query = uri.getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(
            pair.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ------------------------------------------------------------------ request model

  /**
   * The texts of a request: system instruction, contents, the last user turn, the mission line if
   * any.
   */
  record Prompt(String system, String contents, String task, String mission) {
    static Prompt of(JsonNode request) {
      String system = texts(request.path("systemInstruction"));
      StringBuilder contents = new StringBuilder();
      String lastUser = "";
      for (JsonNode content : request.path("contents")) {
        String text = texts(content);
        contents.append(text).append('\n');
        if (!"model".equals(content.path("role").asText())) {
          lastUser = text;
        }
      }
      String all = system + "\n" + contents;
      Matcher m = MISSION_LINE.matcher(all);
      String mission = m.find() ? m.group(1).strip() : lastUser.strip().split("\n", 2)[0];
      String task = lastUser.strip();
      return new Prompt(system, contents.toString(), task, mission);
    }

    String all() {
      return system + "\n" + contents;
    }

    private static String texts(JsonNode content) {
      StringBuilder text = new StringBuilder();
      if (content.isTextual()) {
        return content.asText();
      }
      for (JsonNode part : content.path("parts")) {
        if (part.has("text")) {
          if (text.length() > 0) {
            text.append('\n');
          }
          text.append(part.get("text").asText());
        }
      }
      return text.toString();
    }
  }

  /** Token counts of one answer. */
  static final class Usage {
    static final Usage NONE = new Usage(0, 0, 0, 0);
    final long prompt;
    final long candidates;
    final long thoughts;
    final long cached;

    Usage(long prompt, long candidates, long thoughts, long cached) {
      this.prompt = prompt;
      this.candidates = candidates;
      this.thoughts = thoughts;
      this.cached = cached;
    }

    static long tokens(String text) {
      long chars = text.codePointCount(0, text.length());
      return (chars + 3) / 4;
    }

    static Usage count(String model, Prompt prompt, String answer, JsonNode config, Fault fault) {
      long system = tokens(prompt.system());
      long prompted = system + tokens(prompt.contents().strip());
      long cached = system >= MIN_CACHED_TOKENS ? system : 0;
      long candidates = tokens(answer);
      String m = model.toLowerCase(Locale.ROOT);
      long factor =
          m.contains("lite") || m.startsWith("gemini-2.0") || m.startsWith("gemini-1")
              ? 0
              : m.contains("pro") ? 2 : 1;
      if (config.path("thinkingConfig").path("thinkingBudget").asInt(-1) == 0) {
        factor = 0;
      }
      Usage usage = new Usage(prompted, candidates, candidates * factor, cached);
      if (fault != null && fault.usage() != null) {
        Map<String, Integer> o = fault.usage();
        usage =
            new Usage(
                o.getOrDefault("promptTokenCount", (int) usage.prompt),
                o.getOrDefault("candidatesTokenCount", (int) usage.candidates),
                o.getOrDefault("thoughtsTokenCount", (int) usage.thoughts),
                o.getOrDefault("cachedContentTokenCount", (int) usage.cached));
      }
      return usage;
    }

    /** As Gemini sends it: zero thoughts and cached counts are left out. */
    ObjectNode toJson(ObjectMapper mapper) {
      ObjectNode json = mapper.createObjectNode();
      json.put("promptTokenCount", prompt);
      if (candidates > 0) {
        json.put("candidatesTokenCount", candidates);
      }
      if (cached > 0) {
        json.put("cachedContentTokenCount", cached);
      }
      if (thoughts > 0) {
        json.put("thoughtsTokenCount", thoughts);
      }
      json.put("totalTokenCount", prompt + candidates + thoughts);
      return json;
    }
  }
}
