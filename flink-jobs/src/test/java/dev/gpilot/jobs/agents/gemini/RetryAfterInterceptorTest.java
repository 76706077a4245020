package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

class RetryAfterInterceptorTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

  private static Response answer(int code, String retryAfter, String body) {
    Response.Builder response =
        new Response.Builder()
            .request(
                new Request.Builder()
                    .url("http://127.0.0.1/v1beta/models/m:generateContent")
                    .build())
            .protocol(Protocol.HTTP_1_1)
            .code(code)
            .message("x")
            .body(ResponseBody.create(body, MediaType.get("application/json")));
    if (retryAfter != null) {
      response.header("Retry-After", retryAfter);
    }
    return response.build();
  }

  private static final String RETRY_INFO =
      """
      {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38.5s"}]}}""";

  @Test
  void retryAfterHeader_inSecondsOrAsAnHttpDate() {
    assertThat(RetryAfterInterceptor.delay(answer(429, "2", "{}"), CLOCK))
        .hasValue(Duration.ofSeconds(2));
    assertThat(
            RetryAfterInterceptor.delay(answer(503, "Sun, 01 Mar 2026 12:00:30 GMT", "{}"), CLOCK))
        .hasValue(Duration.ofSeconds(30));
    assertThat(
            RetryAfterInterceptor.delay(answer(503, "Sun, 01 Mar 2026 11:00:00 GMT", "{}"), CLOCK))
        .hasValue(Duration.ZERO);
  }

  @Test
  void withoutTheHeader_theErrorBodysRetryInfo_asTheGeminiApiSendsIt() {
    assertThat(RetryAfterInterceptor.delay(answer(429, null, RETRY_INFO), CLOCK))
        .hasValue(Duration.ofMillis(38_500));
    assertThat(RetryAfterInterceptor.delay(answer(429, "soon", RETRY_INFO), CLOCK))
        .as("an unreadable header falls back to the body")
        .hasValue(Duration.ofMillis(38_500));
  }

  @Test
  void noDelay_whenTheAnswerGivesNone_orAnUnreadableOne() {
    assertThat(
            RetryAfterInterceptor.delay(answer(429, null, "{\"error\": {\"code\": 429}}"), CLOCK))
        .isEmpty();
    assertThat(RetryAfterInterceptor.delay(answer(500, null, "not json"), CLOCK)).isEmpty();
    assertThat(RetryAfterInterceptor.delay(answer(429, "-3", "{}"), CLOCK)).isEmpty();
    assertThat(RetryAfterInterceptor.delay(answer(429, "99999999", "{}"), CLOCK))
        .hasValue(RetryAfterInterceptor.MAX_DELAY);
  }

  @Test
  void theBodyIsLeftForTheSdk() throws Exception {
    Response response = answer(429, null, RETRY_INFO);
    RetryAfterInterceptor.delay(response, CLOCK);
    assertThat(response.body().string()).isEqualTo(RETRY_INFO);
  }

  @Test
  void onTheWire_theDelayIsKeptForItsCallOnce_andTheInternalHeaderNeverLeaves() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> seenCallHeaders = new CopyOnWriteArrayList<>();
    server.createContext(
        "/",
        exchange -> {
          seenCallHeaders.add(
              String.valueOf(
                  exchange.getRequestHeaders().getFirst(RetryAfterInterceptor.CALL_HEADER)));
          boolean limited = exchange.getRequestURI().getPath().endsWith("limited");
          if (limited) {
            exchange.getResponseHeaders().add("Retry-After", "3");
          }
          byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(limited ? 429 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    RetryAfterInterceptor interceptor = new RetryAfterInterceptor(CLOCK);
    OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
    String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    try {
      call(client, base + "limited", "call-1");
      call(client, base + "ok", "call-2");
      call(
          client,
          base + "limited",
          null); // a request without the header: passed through, nothing kept

      assertThat(interceptor.take("call-1")).isEqualTo(Duration.ofSeconds(3));
      assertThat(interceptor.take("call-1")).as("handed over once").isNull();
      assertThat(interceptor.take("call-2")).as("a success asks for no delay").isNull();
      assertThat(seenCallHeaders).containsOnly("null");
    } finally {
      server.stop(0);
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  private static void call(OkHttpClient client, String url, String callId) throws Exception {
    Request.Builder request = new Request.Builder().url(url);
    if (callId != null) {
      request.header(RetryAfterInterceptor.CALL_HEADER, callId);
    }
    try (Response response = client.newCall(request.build()).execute()) {
      assertThat(response.body().string()).isEqualTo("{}");
    }
  }
}
