package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.step.StepResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepricerTest {
  private static final long SWITCH = 1_764_000_000_000L;
  private static final PriceTable BOOK =
      PriceTable.parse(
          new ByteArrayInputStream(
              ("""
      {"tables": [
        {"version": "old", "effectiveFrom": "2020-01-01", "prices": [{"id": "f", "model": "flash*",
          "effectiveFrom": "2020-01-01", "input": "1", "cachedInput": "0.5", "output": "2", "thinking": "3"}]},
        {"version": "new", "effectiveFrom": "%s", "prices": [{"id": "f", "model": "flash*",
          "effectiveFrom": "2020-01-01", "input": "0.25", "cachedInput": "0.5", "output": "2", "thinking": "3"}]}]}"""
                      .formatted(java.time.Instant.ofEpochMilli(SWITCH)))
                  .getBytes(StandardCharsets.UTF_8)),
          "book.json");
  private static final Repricer REPRICER = new Repricer(BOOK, Map.of("scout", "flash-2"));

  private static StepResult result(
      String agent, String model, Usage usage, long cost, String priceVersion, long finishedAt) {
    return new StepResult(
        "m",
        "ws",
        "s1",
        1,
        agent,
        true,
        null,
        null,
        finishedAt - 10,
        finishedAt,
        model,
        usage,
        cost,
        priceVersion,
        false);
  }

  @Test
  void anAttempt_isPricedByTheCatalogModel_atTheVersionInForceAtItsFinish() {
    Usage usage = new Usage(10, 1, 1, 2); // 8 × input + 2 × cached + 1 × output + 1 × thinking
    StepResult before =
        REPRICER.reprice(result("scout", "reported-name", usage, 1, "x/y", SWITCH - 1)).result();
    assertThat(before.costMicros()).isEqualTo(8 + 1 + 2 + 3);
    assertThat(before.priceVersion()).isEqualTo("old/f");
    assertThat(before.model()).isEqualTo("reported-name");
    StepResult at =
        REPRICER.reprice(result("scout", "reported-name", usage, 1, "x/y", SWITCH)).result();
    assertThat(at.costMicros()).isEqualTo(2 + 1 + 2 + 3); // 8 × 0.25 = 2
    assertThat(at.priceVersion()).isEqualTo("new/f");
  }

  @Test
  void providerReportedCosts_attemptsWithoutAModel_andUnpricedModels_keepTheirCost() {
    Usage usage = new Usage(10, 1, 1, 2);
    var reported = REPRICER.reprice(result("scout", "flash-2", usage, 999, null, SWITCH));
    assertThat(reported.outcome()).isEqualTo(Repricer.Outcome.AUTHORITATIVE);
    assertThat(reported.result().costMicros()).isEqualTo(999);
    var noModel = REPRICER.reprice(result("scout", null, null, 0, null, SWITCH));
    assertThat(noModel.outcome()).isEqualTo(Repricer.Outcome.NO_MODEL);
    var unpriced = REPRICER.reprice(result("stranger", "claude", usage, 42, "x/y", SWITCH));
    assertThat(unpriced.outcome()).isEqualTo(Repricer.Outcome.UNPRICED);
    assertThat(unpriced.result().costMicros()).isEqualTo(42);
  }

  @Test
  void theRepricer_travelsAsItsPricesJson() throws Exception {
    var out = new java.io.ByteArrayOutputStream();
    new java.io.ObjectOutputStream(out).writeObject(REPRICER);
    Repricer copy =
        (Repricer)
            new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(out.toByteArray()))
                .readObject();
    StepResult r = result("scout", "flash", new Usage(4, 0, 0, 0), 0, "x/y", SWITCH);
    assertThat(copy.reprice(r).result()).isEqualTo(REPRICER.reprice(r).result());
  }
}
