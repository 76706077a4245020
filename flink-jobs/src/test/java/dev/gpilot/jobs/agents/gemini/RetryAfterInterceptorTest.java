package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

class RetryAfterInterceptorTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

  private static Response answer(int code, String retryAfter, String body) {
    Response.Builder response = new Response.Builder()
        .request(new Request.Builder().url("http://127.0.0.1/v1beta/models/m:generateContent").build())
        .protocol(Protocol.HTTP_1_1).code(code).message("x")
        .body(ResponseBody.create(body, MediaType.get("application/json")));
    if (retryAfter != null) {
      response.header("Retry-After", retryAfter);
    }
    return response.build();
  }

  private static final String RETRY_INFO = """
      {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38.5s"}]}}""";

  @Test
  void retryAfterHeader_inSecondsOrAsAnHttpDate() {
    assertThat(RetryAfterInterceptor.delay(answer(429, "2", "{}"), CLOCK)).hasValue(Duration.ofSeconds(2));
    assertThat(RetryAfterInterceptor.delay(answer(503, "Sun, 01 Mar 2026 12:00:30 GMT", "{}"), CLOCK))
        .hasValue(Duration.ofSeconds(30));
    assertThat(RetryAfterInterceptor.delay(answer(503, "Sun, 01 Mar 2026 11:00:00 GMT", "{}"), CLOCK))
        .hasValue(Duration.ZERO);
  }

  @Test
  void withoutTheHeader_theErrorBodysRetryInfo_asTheGeminiApiSendsIt() {
    assertThat(RetryAfterInterceptor.delay(answer(429, null, RETRY_INFO), CLOCK)).hasValue(Duration.ofMillis(38_500));
    assertThat(RetryAfterInterceptor.delay(answer(429, "soon", RETRY_INFO), CLOCK))
        .as("an unreadable header falls back to the body").hasValue(Duration.ofMillis(38_500));
  }

  @Test
  void noDelay_whenTheAnswerGivesNone_orAnUnreadableOne() {
    assertThat(RetryAfterInterceptor.delay(answer(429, null, "{\"error\": {\"code\": 429}}"), CLOCK)).isEmpty();
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
}
