package dev.gpilot.contracts.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.cost.Usage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableTest {
  private static final LocalDate TODAY = LocalDate.of(2026, 1, 20);

  private static PriceTable table(String json) {
    return PriceTable.parse(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.json");
  }

  private static final PriceTable SHIPPED = PriceTable.shipped();

  @Test
  void flashCall_billsUncachedPromptCachedOutputAndThinkingEachAtItsPrice() {
    ModelPrice flash = SHIPPED.find("gemini-2.5-flash", TODAY).orElseThrow();
    // 600 uncached × 0.30 + 400 cached × 0.03 + 500 output × 2.50 + 300 thinking × 2.50 (credits
    // per 10^6 tokens)
    // = 180 + 12 + 1250 + 750 = 2192 micro-credits
    assertThat(flash.costMicros(new Usage(1000, 500, 300, 400))).isEqualTo(2192);
    assertThat(flash.priceVersion()).isEqualTo("2026-01-15/gemini-2.5-flash@2025-06-17");
  }

  @Test
  void cachedTokensAreNotBilledTwice() {
    ModelPrice flash = SHIPPED.find("gemini-2.5-flash", TODAY).orElseThrow();
    long allUncached = flash.costMicros(new Usage(1_000_000, 0, 0, 0));
    long allCached = flash.costMicros(new Usage(1_000_000, 0, 0, 1_000_000));
    assertThat(allUncached).isEqualTo(300_000);
    assertThat(allCached).isEqualTo(30_000);
  }

  @Test
  void thinkingTokens_areBilledAtTheThinkingPrice_evenWithoutOutput() {
    ModelPrice pro = SHIPPED.find("gemini-2.5-pro", TODAY).orElseThrow();
    assertThat(pro.costMicros(new Usage(0, 0, 1234, 0))).isEqualTo(12_340);
  }

  @Test
  void proCallOverTheLongContextThreshold_usesTheLongContextPricesForTheWholeCall() {
    ModelPrice pro = SHIPPED.find("gemini-2.5-pro", TODAY).orElseThrow();
    // 200,000 × 2.50 + 50,000 × 0.25 + 1,000 × 15 + 2,000 × 15 = 500,000 + 12,500 + 15,000 + 30,000
    // micro-credits
    assertThat(pro.costMicros(new Usage(250_000, 1_000, 2_000, 50_000))).isEqualTo(557_500);
    // At the threshold itself the normal prices apply: 200,000 × 1.25 = 250,000
    assertThat(pro.costMicros(new Usage(200_000, 0, 0, 0))).isEqualTo(250_000);
  }

  @Test
  void roundingIsHalfUpOncePerAttempt_onTheExactSumOfItsCalls() {
    ModelPrice flash = SHIPPED.find("gemini-2.5-flash", TODAY).orElseThrow();
    Usage oneInputToken = new Usage(1, 0, 0, 0); // 0.3 micro-credits
    assertThat(flash.costMicros(oneInputToken)).isZero();
    // Two calls of one attempt (a repair retry): 0.6 → 1, not 0 + 0.
    assertThat(flash.costMicros(List.of(oneInputToken, oneInputToken))).isEqualTo(1);
    // Exactly half rounds up: one output token is 2.5 micro-credits.
    assertThat(flash.costMicros(new Usage(0, 1, 0, 0))).isEqualTo(3);
    // 5 input tokens = 1.5 → 2; 4 = 1.2 → 1
    assertThat(flash.costMicros(new Usage(5, 0, 0, 0))).isEqualTo(2);
    assertThat(flash.costMicros(new Usage(4, 0, 0, 0))).isEqualTo(1);
  }

  @Test
  void lookup_prefersTheMostSpecificPattern_thenTheLatestEffectiveDay() {
    assertThat(SHIPPED.find("gemini-2.5-flash-lite", TODAY).orElseThrow().id())
        .isEqualTo("gemini-2.5-flash-lite@2025-07-22");
    assertThat(SHIPPED.find("gemini-2.5-flash-preview-09-2025", TODAY).orElseThrow().id())
        .isEqualTo("gemini-2.5-flash@2025-06-17");
    assertThat(SHIPPED.find("models/gemini-2.5-pro", TODAY).orElseThrow().id())
        .isEqualTo("gemini-2.5-pro@2025-06-17");
    assertThat(SHIPPED.find("claude-3", TODAY)).isEmpty();

    PriceTable versions =
        table(
            """
        {"version": "v7", "prices": [
          {"id": "old", "model": "m*", "effectiveFrom": "2025-01-01",
           "input": "1", "cachedInput": "0.1", "output": "2", "thinking": "3"},
          {"id": "new", "model": "m*", "effectiveFrom": "2025-06-01",
           "input": "0.5", "cachedInput": "0.05", "output": "1", "thinking": "1.5"}]}""");
    assertThat(versions.find("m-1", LocalDate.of(2024, 12, 31))).isEmpty();
    assertThat(versions.find("m-1", LocalDate.of(2025, 5, 31)).orElseThrow().id()).isEqualTo("old");
    assertThat(versions.find("m-1", LocalDate.of(2025, 6, 1)).orElseThrow().id()).isEqualTo("new");
    assertThat(
            versions
                .find("m-1", Instant.parse("2025-06-01T00:00:00Z"))
                .orElseThrow()
                .priceVersion())
        .isEqualTo("v7/new");
    ModelPrice old = versions.find("m-1", LocalDate.of(2025, 2, 1)).orElseThrow();
    // 10 × 1 + 0 + 10 × 2 + 10 × 3 = 60 credits per million tokens... × 10^-6 per token → 60
    // micro-credits
    assertThat(old.costMicros(new Usage(10, 10, 10, 0))).isEqualTo(60);
  }

  @Test
  void versionedTables_priceEachAttemptByTheVersionInForceAtItsTime() {
    PriceTable book =
        table(
            """
        {"tables": [
          {"version": "v2", "effectiveFrom": "2026-12-01T12:00:00Z", "prices": [
            {"id": "m", "model": "m*", "effectiveFrom": "2025-01-01",
             "input": "2", "cachedInput": "0", "output": "0", "thinking": "0"}]},
          {"version": "v1", "effectiveFrom": "2025-06-01", "prices": [
            {"id": "m", "model": "m*", "effectiveFrom": "2025-01-01",
             "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}]}""");
    assertThat(book.versions()).extracting(PriceTable.Version::version).containsExactly("v1", "v2");
    assertThat(book.version()).isEqualTo("v2");
    Instant before = Instant.parse("2026-12-01T11:59:59.999Z");
    Instant at = Instant.parse("2026-12-01T12:00:00Z");
    assertThat(book.find("m-1", before).orElseThrow().priceVersion()).isEqualTo("v1/m");
    assertThat(book.find("m-1", at).orElseThrow().priceVersion()).isEqualTo("v2/m");
    assertThat(book.find("m-1", at).orElseThrow().costMicros(new Usage(7, 0, 0, 0))).isEqualTo(14);
    // Before the first version, the first applies (history older than the file).
    assertThat(book.find("m-1", Instant.parse("2025-03-01T00:00:00Z")).orElseThrow().priceVersion())
        .isEqualTo("v1/m");
    assertThat(book.version("v1")).isPresent();
    assertThat(
            book.only(book.version("v1").orElseThrow())
                .find("m-1", at)
                .orElseThrow()
                .priceVersion())
        .isEqualTo("v1/m");

    assertThatThrownBy(
            () ->
                table(
                    """
        {"tables": [{"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "2025-01-01",
          "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}]}"""))
        .hasMessageContaining("\"effectiveFrom\" is required");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"tables": [
          {"version": "v1", "effectiveFrom": "2025-01-01", "prices": [{"id": "a", "model": "a",
            "effectiveFrom": "2025-01-01", "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]},
          {"version": "v1", "effectiveFrom": "2025-02-01", "prices": [{"id": "a", "model": "a",
            "effectiveFrom": "2025-01-01", "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}]}"""))
        .hasMessageContaining("version 'v1' is used twice");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"tables": [{"version": "v1", "effectiveFrom": "yesterday", "prices": [{"id": "a", "model": "a",
          "effectiveFrom": "2025-01-01", "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}]}"""))
        .hasMessageContaining("ISO-8601 instant or a day");
  }

  @Test
  void pricesAreReadExactly_fromStringsOrNumbers() {
    PriceTable t =
        table(
            """
        {"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "2025-01-01",
          "input": 0.000001, "cachedInput": "0.1", "output": 1.1, "thinking": "12345.678901"}]}""");
    TokenRates rates = t.prices().get(0).rates();
    assertThat(rates).isEqualTo(new TokenRates(1, 100_000, 1_100_000, 12_345_678_901L));
  }

  @Test
  void invalidTables_areRejectedWithTheFileAndTheReason() {
    assertThatThrownBy(
            () ->
                table(
                    """
        {"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "2025-01-01",
          "input": "0.0000001", "cachedInput": "0", "output": "0", "thinking": "0"}]}"""))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("test.json")
        .hasMessageContaining("finer than a micro-credit");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "2025-01-01",
          "input": "-1", "cachedInput": "0", "output": "0", "thinking": "0"}]}"""))
        .hasMessageContaining("cannot be negative");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "2025-01-01",
          "input": "1", "cachedInput": "0", "output": "0"}]}"""))
        .hasMessageContaining("thinking is required");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "2025-01-01", "inptu": "1",
          "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}"""))
        .hasMessageContaining("unknown field \"inptu\"");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"version": "v1", "prices": [
          {"id": "a", "model": "a", "effectiveFrom": "2025-01-01", "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"},
          {"id": "b", "model": "a", "effectiveFrom": "2025-01-01", "input": "2", "cachedInput": "0", "output": "0", "thinking": "0"}]}"""))
        .hasMessageContaining("same model pattern and effectiveFrom");
    assertThatThrownBy(
            () ->
                table(
                    """
        {"version": "v1", "prices": [{"id": "a", "model": "a", "effectiveFrom": "01/01/2025",
          "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}"""))
        .hasMessageContaining("YYYY-MM-DD");
    assertThatThrownBy(() -> table("{\"prices\": []}")).hasMessageContaining("\"version\"");
  }

  @Test
  void shippedTable_pricesEveryModelOfTheShippedCatalog() {
    SHIPPED.requirePricesFor(AgentCatalog.shipped(), Instant.parse("2026-01-20T00:00:00Z"));
    AgentCatalog unpriced =
        AgentCatalog.of(List.of(new AgentDefinition("x", "d", "gpt-9", "s", null, 10, 0)));
    assertThatThrownBy(() -> SHIPPED.requirePricesFor(unpriced, Instant.now()))
        .hasMessageContaining("x (gpt-9)");
  }
}
