package dev.gpilot.jobs.agents.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.GenAiIOException;
import com.google.genai.types.Candidate;
import com.google.genai.types.ClientOptions;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Part;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.gpilot.contracts.agents.AgentDefinition;
import dev.gpilot.contracts.agents.ModelPrice;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.agents.AgentException;
import dev.gpilot.jobs.agents.DeltaListener;
import dev.gpilot.jobs.agents.ModelCharge;
import dev.gpilot.jobs.agents.StepRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls Gemini for agents through google-genai's async API: one SDK client per API key
 * (thread-safe, its HTTP pool sized to {@link GeminiOptions#maxConnections()}, its own retries off:
 * the executor retries), text and JSON answers with one repair turn for a JSON answer that does not
 * parse or match its schema, and what each attempt costs.
 *
 * <p>Every failure comes out as an {@link AgentException}: retriable for 429, 408, 5xx, timeouts
 * and I/O errors (with the provider's Retry-After when it gave one, {@link RetryAfterInterceptor});
 * not retriable for other 4xx (with the provider's message), blocked answers (with the finish
 * reason) and JSON that is still invalid after the repair turn. Messages never contain the key.
 *
 * <p>Each call made for a step attempt carries who it is for, in the headers {@value
 * #MISSION_HEADER}, {@value #STEP_HEADER} and {@value #ATTEMPT_HEADER} (ids and the attempt number,
 * nothing secret), so that the provider's side (the stand-in's call log) can tell the calls of a
 * step and its attempts apart.
 */
public final class GeminiCaller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GeminiCaller.class);
  private static final int MAX_BAD_ANSWER_CHARS = 8_000;
  private static final int MAX_ERRORS_SHOWN = 5;
  static final String MISSION_HEADER = "x-gpilot-mission-id";
  static final String STEP_HEADER = "x-gpilot-step-id";
  static final String ATTEMPT_HEADER = "x-gpilot-attempt";

  /** Clients kept at most (one per API key in use). */
  static final int MAX_CLIENTS = 1_000;

  /** A client unused this long is dropped. */
  static final Duration CLIENT_IDLE = Duration.ofHours(1);

  private final GeminiOptions options;
  private final PriceTable prices;
  private final Clock clock;

  /**
   * A client per key in use, at most {@value #MAX_CLIENTS}, dropped after {@link #CLIENT_IDLE}
   * unused: keys rotate and workspaces come and go, and a client holds its key. A dropped client is
   * not closed: the SDK's close shuts down the HTTP pool that all clients share (the pool goes when
   * the caller closes).
   */
  private final Cache<ApiKey, Client> clients;

  private final ExecutorService streamReaders;
  private final OkHttpClient httpPool;
  private final RetryAfterInterceptor retryAfter;
  private final AtomicLong callIds = new AtomicLong();

  public GeminiCaller(GeminiOptions options, PriceTable prices, Clock clock) {
    this(options, prices, clock, MAX_CLIENTS);
  }

  GeminiCaller(GeminiOptions options, PriceTable prices, Clock clock, int maxClients) {
    this.options = options;
    this.prices = prices;
    this.clock = clock;
    this.clients =
        Caffeine.newBuilder().maximumSize(maxClients).expireAfterAccess(CLIENT_IDLE).build();
    // One HTTP pool for all keys' clients: as many requests and kept-alive connections to Gemini as
    // the executor
    // has calls in flight (OkHttp's defaults, 5 per host and 5 idle connections, would queue calls
    // and reconnect).
    // The SDK adds its call timeout and (disabled) retry interceptor on top.
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(options.maxConnections());
    dispatcher.setMaxRequestsPerHost(options.maxConnections());
    this.retryAfter = new RetryAfterInterceptor(clock);
    this.httpPool =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .addInterceptor(retryAfter)
            .connectionPool(new ConnectionPool(options.maxConnections(), 5, TimeUnit.MINUTES))
            .connectTimeout(Duration.ZERO)
            .readTimeout(Duration.ZERO)
            .writeTimeout(Duration.ZERO)
            .build();
    AtomicInteger n = new AtomicInteger();
    // Reading a stream blocks: bounded threads, and a queue rather than a thread per call.
    this.streamReaders =
        options.streaming()
            ? new ThreadPoolExecutor(
                options.streamThreads(),
                options.streamThreads(),
                60,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                r -> {
                  Thread t = new Thread(r, "gemini-stream-" + n.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                })
            : null;
  }

  // ------------------------------------------------------------------ calls

  /**
   * Asks for text. A blocked answer fails (not retriable) with its charge.
   *
   * @param step the attempt, for streamed deltas; may be null
   */
  public CompletableFuture<Answer<String>> askText(
      ApiKey key, AgentDefinition agent, String userText, StepRequest step, DeltaListener deltas) {
    return generate(key, agent, List.of(user(userText)), null, step, deltas)
        .thenApply(
            turn -> {
              List<ModelTurn> turns = List.of(turn);
              if (turn.blocked()) {
                throw new AgentException(turn.blockedWhy(), false, charge(agent, turns), null);
              }
              return new Answer<>(turn.text(), turns, charge(agent, turns));
            });
  }

  /**
   * Asks for JSON matching {@code modelSchema} (sent as the response schema) and checks it against
   * {@code validator}. An answer that does not parse or validate gets one repair turn that shows
   * the model its answer and what is wrong; if that fails too, the attempt fails (not retriable)
   * naming the error, with the charge of both calls. A repair call that fails (a timeout, a 503)
   * fails as that error does, with the charge of the first call.
   */
  public CompletableFuture<Answer<JsonNode>> askJson(
      ApiKey key,
      AgentDefinition agent,
      String userText,
      JsonNode modelSchema,
      JsonSchema validator,
      StepRequest step,
      DeltaListener deltas) {
    List<Content> first = List.of(user(userText));
    return generate(key, agent, first, modelSchema, step, deltas)
        .thenCompose(
            turn -> {
              if (turn.blocked()) {
                throw new AgentException(
                    turn.blockedWhy(), false, charge(agent, List.of(turn)), null);
              }
              Parsed parsed = parse(turn.text(), validator);
              if (parsed.error == null) {
                List<ModelTurn> turns = List.of(turn);
                return CompletableFuture.completedFuture(
                    new Answer<>(parsed.json, turns, charge(agent, turns)));
              }
              LOG.debug(
                  "agent {}: invalid JSON answer ({}), asking for a repair",
                  agent.name(),
                  parsed.error);
              List<Content> repair =
                  List.of(
                      user(userText),
                      Content.builder()
                          .role("model")
                          .parts(
                              List.of(
                                  Part.fromText(
                                      PromptBuilder.cut(turn.text(), MAX_BAD_ANSWER_CHARS))))
                          .build(),
                      user(
                          "Your answer is not valid for the required JSON schema: "
                              + parsed.error
                              + ". Answer again with only the corrected JSON, nothing else."));
              return generate(key, agent, repair, modelSchema, step, deltas)
                  .handle(
                      (second, error) -> {
                        if (error != null) {
                          // The first call was answered, and billed: a failed repair call fails
                          // with that charge. (When the
                          // executor calls again for a retriable failure, this outcome and its
                          // charge are dropped: SPEC.md §7.)
                          AgentException failure = classify(error);
                          throw new AgentException(
                              failure.getMessage(),
                              failure.retriable(),
                              charge(agent, List.of(turn)),
                              failure.getCause(),
                              failure.retryAfter());
                        }
                        List<ModelTurn> turns = List.of(turn, second);
                        if (second.blocked()) {
                          throw new AgentException(
                              second.blockedWhy(), false, charge(agent, turns), null);
                        }
                        Parsed repaired = parse(second.text(), validator);
                        if (repaired.error != null) {
                          throw new AgentException(
                              "the model's answer was not valid JSON for the agent's schema, also after a"
                                  + " repair turn: "
                                  + repaired.error,
                              false,
                              charge(agent, turns),
                              null);
                        }
                        return new Answer<>(repaired.json, turns, charge(agent, turns));
                      });
            });
  }

  /** An answer, the calls it took and what they cost together. */
  public record Answer<T>(T value, List<ModelTurn> turns, ModelCharge charge) {}

  /**
   * One model call. Fails with {@link AgentException}; a blocked answer is a turn, not a failure,
   * here.
   */
  CompletableFuture<ModelTurn> generate(
      ApiKey key,
      AgentDefinition agent,
      List<Content> contents,
      JsonNode responseSchema,
      StepRequest step,
      DeltaListener deltas) {
    GenerateContentConfig.Builder config =
        GenerateContentConfig.builder()
            .systemInstruction(Content.fromParts(Part.fromText(agent.systemInstruction())))
            .maxOutputTokens(agent.maxOutputTokens())
            .temperature((float) agent.temperature());
    if (responseSchema != null) {
      config.responseMimeType("application/json").responseJsonSchema(toMap(responseSchema));
    }
    // Per-request headers (merged by the SDK with the client's): who the call is for, and an
    // internal call id by
    // which the interceptor hands over this call's Retry-After (it removes that header before the
    // request leaves).
    String callId = Long.toString(callIds.incrementAndGet());
    config.httpOptions(HttpOptions.builder().headers(headers(step, callId)).build());
    CompletableFuture<ModelTurn> turn;
    try {
      Client client = client(key);
      if (options.streaming()) {
        turn =
            client
                .async
                .models
                .generateContentStream(agent.model(), contents, config.build())
                .thenApplyAsync(stream -> read(stream, step, deltas), streamReaders);
      } else {
        turn =
            client
                .async
                .models
                .generateContent(agent.model(), contents, config.build())
                .thenApply(GeminiCaller::turn);
      }
    } catch (RuntimeException e) {
      turn = CompletableFuture.failedFuture(e);
    }
    return turn.handle(
        (answered, error) -> {
          Duration delay = retryAfter.take(callId);
          if (error != null) {
            throw classify(error, delay);
          }
          return answered;
        });
  }

  /**
   * The identity headers of a step attempt's call (none without a step) and the internal call id.
   */
  static Map<String, String> headers(StepRequest step, String callId) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(RetryAfterInterceptor.CALL_HEADER, callId);
    if (step != null) {
      headers.put(MISSION_HEADER, headerValue(step.missionId()));
      headers.put(STEP_HEADER, headerValue(step.stepId()));
      headers.put(ATTEMPT_HEADER, Integer.toString(step.attempt()));
    }
    return headers;
  }

  /**
   * As is when it is visible ASCII (ids are), else URL-encoded: OkHttp refuses other characters in
   * headers.
   */
  private static String headerValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
      }
    }
    return value;
  }

  private static ModelTurn read(
      ResponseStream<GenerateContentResponse> stream, StepRequest step, DeltaListener deltas) {
    StringBuilder text = new StringBuilder();
    GenerateContentResponse last = null;
    GenerateContentResponseUsageMetadata usage = null;
    int index = 0;
    try (stream) {
      for (GenerateContentResponse chunk : stream) {
        String delta = text(chunk);
        if (!delta.isEmpty()) {
          text.append(delta);
          if (step != null) {
            try {
              deltas.onDelta(step, index++, delta);
            } catch (RuntimeException e) {
              LOG.warn("a delta listener failed; deltas are best effort", e);
            }
          }
        }
        if (chunk.usageMetadata().isPresent()) {
          usage = chunk.usageMetadata().get();
        }
        last = chunk;
      }
    }
    if (last == null) {
      throw new AgentException("Gemini's stream ended without a response", true);
    }
    return new ModelTurn(
        text.toString(),
        usage(usage),
        last.modelVersion().orElse(null),
        finishReason(last),
        blockReason(last));
  }

  static ModelTurn turn(GenerateContentResponse response) {
    return new ModelTurn(
        text(response),
        usage(response.usageMetadata().orElse(null)),
        response.modelVersion().orElse(null),
        finishReason(response),
        blockReason(response));
  }

  /** The first candidate's text, thought parts left out. */
  static String text(GenerateContentResponse response) {
    return firstCandidate(response)
        .flatMap(Candidate::content)
        .flatMap(Content::parts)
        .map(
            parts ->
                parts.stream()
                    .filter(p -> !p.thought().orElse(false))
                    .map(p -> p.text().orElse(""))
                    .collect(Collectors.joining()))
        .orElse("");
  }

  private static Optional<Candidate> firstCandidate(GenerateContentResponse response) {
    return response.candidates().filter(c -> !c.isEmpty()).map(c -> c.get(0));
  }

  private static String finishReason(GenerateContentResponse response) {
    return firstCandidate(response)
        .flatMap(Candidate::finishReason)
        .map(Object::toString)
        .orElse(null);
  }

  private static String blockReason(GenerateContentResponse response) {
    return response
        .promptFeedback()
        .flatMap(f -> f.blockReason())
        .map(Object::toString)
        .orElse(null);
  }

  /**
   * Gemini's counts → {@link Usage}; cached tokens are part of the prompt (a count above it is
   * capped there).
   */
  static Usage usage(GenerateContentResponseUsageMetadata metadata) {
    if (metadata == null) {
      return Usage.ZERO;
    }
    long prompt = metadata.promptTokenCount().orElse(0);
    long cached = Math.min(prompt, metadata.cachedContentTokenCount().orElse(0));
    return new Usage(
        prompt,
        metadata.candidatesTokenCount().orElse(0),
        metadata.thoughtsTokenCount().orElse(0),
        cached);
  }

  // ------------------------------------------------------------------ cost

  /**
   * What the calls of one attempt cost: each priced exactly, the sum rounded once
   * (ModelPrice#costMicros).
   */
  ModelCharge charge(AgentDefinition agent, List<ModelTurn> turns) {
    List<Usage> calls = turns.stream().map(ModelTurn::usage).toList();
    Usage total = calls.stream().reduce(Usage.ZERO, Usage::plus);
    String model =
        turns.isEmpty() || turns.get(turns.size() - 1).modelVersion() == null
            ? agent.model()
            : turns.get(turns.size() - 1).modelVersion();
    Optional<ModelPrice> price = prices.find(agent.model(), clock.instant());
    if (price.isEmpty()) {
      // Checked at start-up for every catalog model; only a catalog/price mismatch in a test gets
      // here.
      LOG.warn(
          "no price for model {} of agent {}: recording the usage at no cost",
          agent.model(),
          agent.name());
      return new ModelCharge(model, total, 0, null);
    }
    return new ModelCharge(model, total, price.get().costMicros(calls), price.get().priceVersion());
  }

  // ------------------------------------------------------------------ errors

  /** Any failure of a call → an {@link AgentException} that says whether to retry. */
  static AgentException classify(Throwable error) {
    return classify(error, null);
  }

  /**
   * Any failure of a call → an {@link AgentException} that says whether to retry and, for a
   * retriable answer of the provider, after how long it asked ({@code retryAfter}, may be null).
   */
  static AgentException classify(Throwable error, Duration retryAfter) {
    Throwable e = error;
    while ((e instanceof CompletionException
            || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof AgentException agent) {
      return agent;
    }
    if (e instanceof ApiException api) {
      int code = api.code();
      boolean retriable = code == 429 || code == 408 || code >= 500;
      String message =
          "Gemini answered "
              + code
              + (api.status() == null ? "" : " " + api.status())
              + ": "
              + api.message();
      return new AgentException(message, retriable, null, e, retryAfter);
    }
    if (e instanceof GenAiIOException io) {
      String cause = io.getCause() == null ? io.getMessage() : io.getCause().toString();
      return new AgentException("calling Gemini failed: " + cause, true, null, e);
    }
    if (e instanceof java.io.IOException || e instanceof java.util.concurrent.TimeoutException) {
      return new AgentException("calling Gemini failed: " + e, true, null, e);
    }
    return new AgentException("calling Gemini failed: " + e, false, null, e);
  }

  // ------------------------------------------------------------------ plumbing

  private record Parsed(JsonNode json, String error) {}

  private static Parsed parse(String text, JsonSchema validator) {
    String body = text.strip();
    if (body.startsWith("```")) {
      // Tolerate a fenced block, which some models add despite the JSON mime type.
      body = body.replaceFirst("^```[a-zA-Z]*\\s*", "").replaceFirst("\\s*```$", "");
    }
    JsonNode json;
    try {
      json = Json.mapper().readTree(body);
    } catch (JsonProcessingException e) {
      return new Parsed(null, "it is not JSON (" + e.getOriginalMessage() + ")");
    }
    if (json == null || json.isMissingNode()) {
      return new Parsed(null, "it is empty");
    }
    if (validator != null) {
      Set<ValidationMessage> errors = validator.validate(json);
      if (!errors.isEmpty()) {
        return new Parsed(
            null,
            errors.stream()
                .limit(MAX_ERRORS_SHOWN)
                .map(ValidationMessage::getMessage)
                .collect(Collectors.joining("; ")));
      }
    }
    return new Parsed(json, null);
  }

  private static Content user(String text) {
    return Content.builder().role("user").parts(List.of(Part.fromText(text))).build();
  }

  private static Map<String, Object> toMap(JsonNode schema) {
    return Json.mapper().convertValue(schema, new TypeReference<Map<String, Object>>() {});
  }

  private Client client(ApiKey key) {
    return clients.get(key, this::newClient);
  }

  /** The clients kept now (after pending evictions). */
  long clientCount() {
    clients.cleanUp();
    return clients.estimatedSize();
  }

  private Client newClient(ApiKey key) {
    HttpOptions.Builder http =
        HttpOptions.builder()
            .apiVersion(options.apiVersion())
            .timeout((int) options.callTimeout().toMillis())
            // The SDK would retry 5 times, sleeping on an OkHttp thread and ignoring Retry-After:
            // the executor retries.
            .retryOptions(
                HttpRetryOptions.builder().attempts(1).httpStatusCodes(List.of()).build());
    if (options.baseUrl() != null) {
      http.baseUrl(options.baseUrl());
    }
    LOG.info(
        "Gemini client for key {} at {}",
        key.fingerprint(),
        options.baseUrl() == null ? "Google's endpoint" : options.baseUrl());
    return Client.builder()
        .apiKey(key.revealForProviderCall())
        .vertexAI(false)
        .httpOptions(http.build())
        .clientOptions(ClientOptions.builder().customHttpClient(httpPool).build())
        .build();
  }

  @Override
  public void close() {
    for (Client client : clients.asMap().values()) {
      try {
        client.close();
      } catch (RuntimeException e) {
        LOG.debug("closing a Gemini client failed", e);
      }
    }
    clients.invalidateAll();
    if (streamReaders != null) {
      streamReaders.shutdownNow();
    }
    httpPool.dispatcher().executorService().shutdown();
    httpPool.connectionPool().evictAll();
  }
}
