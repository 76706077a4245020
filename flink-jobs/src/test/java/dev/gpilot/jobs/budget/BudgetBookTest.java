package dev.gpilot.jobs.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.agents.StepRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BudgetBookTest {
  private static final String WS = "acme";
  private static final long T0 = Instant.parse("2026-12-05T10:00:00Z").toEpochMilli();
  private final MemoryBudgetStore store = new MemoryBudgetStore();
  private final BudgetBook book =
      new BudgetBook(AttemptCostBound.of(AgentCatalog.shipped(), PriceTable.shipped()), 0);

  private static BudgetRecord budget(
      String id, long limit, BudgetPeriod period, BudgetMode mode, long revision) {
    return new BudgetRecord(
        WS, id, limit, period, 0, false, mode, null, null, T0, "key:k1", null, revision);
  }

  /** A simulated step whose cost is scripted: the gate reserves exactly {@code cost}. */
  private static StepRequest request(String mission, String step, int attempt, long cost) {
    JsonNode params =
        Json.mapper()
            .createObjectNode()
            .set(
                "simulate",
                Json.mapper()
                    .createObjectNode()
                    .put("costMicros", cost)
                    .put("model", "gemini-2.5-flash"));
    return new StepRequest(mission, WS, step, attempt, "agent-scout", "look", params, "m", T0);
  }

  private static StepResult result(StepRequest r, long cost, long at) {
    return new StepResult(
        r.missionId(),
        WS,
        r.stepId(),
        r.attempt(),
        r.agent(),
        true,
        Json.mapper().createObjectNode(),
        null,
        at - 10,
        at,
        "gemini-2.5-flash",
        new Usage(10, 10, 0, 0),
        cost,
        "v1",
        false);
  }

  @Test
  void withoutBudgetsEveryAttemptGoesThroughAndNothingIsReserved() {
    BudgetBook.Effects fx = book.onRequest(store, request("m1", "s1", 1, 500), T0);

    assertThat(fx.released()).hasSize(1);
    assertThat(fx.signals()).isEmpty();
    assertThat(store.reservations).isEmpty();
  }

  @Test
  void aHardBudgetReservesTheWorstCaseAndHoldsWhatItCannotCover() {
    book.onBudget(store, budget("b", 1_000, BudgetPeriod.MONTH, BudgetMode.HARD, 1), T0);

    StepRequest a = request("m1", "s1", 1, 600);
    StepRequest b = request("m2", "s1", 1, 600);
    assertThat(book.onRequest(store, a, T0).released()).containsExactly(a);
    BudgetBook.Effects held = book.onRequest(store, b, T0 + 1);

    assertThat(held.released()).isEmpty();
    assertThat(held.signals())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.command()).isEqualTo(MissionControl.BUDGET_HELD);
              assertThat(s.missionId()).isEqualTo("m2");
              assertThat(s.budgetId()).isEqualTo("b");
              assertThat(s.reason()).contains("400 of 1000");
            });
    assertThat(store.ledgers.get("b").reservedMicros()).isEqualTo(600);

    // a's exact cost (300) replaces its reservation: 700 left, b fits and goes.
    BudgetBook.Effects done = book.onResult(store, result(a, 300, T0 + 5), T0 + 5);
    assertThat(done.released()).containsExactly(b);
    assertThat(done.signals())
        .singleElement()
        .satisfies(s -> assertThat(s.command()).isEqualTo(MissionControl.BUDGET_RELEASED));
    BudgetLedger l = store.ledgers.get("b");
    assertThat(l.spentMicros()).isEqualTo(300);
    assertThat(l.reservedMicros()).isEqualTo(600);
  }

  @Test
  void aRepeatedResultCountsOnce() {
    book.onBudget(store, budget("b", 1_000, BudgetPeriod.TOTAL, BudgetMode.HARD, 1), T0);
    StepRequest a = request("m1", "s1", 1, 100);
    book.onRequest(store, a, T0);
    book.onResult(store, result(a, 100, T0 + 1), T0 + 1);
    book.onResult(store, result(a, 100, T0 + 1), T0 + 2);

    assertThat(store.ledgers.get("b").spentMicros()).isEqualTo(100);
    assertThat(store.ledgers.get("b").reservedMicros()).isZero();
  }

  @Test
  void raisingTheBudgetReleasesHeldAttemptsInTheOrderTheyCame() {
    book.onBudget(store, budget("b", 100, BudgetPeriod.DAY, BudgetMode.HARD, 1), T0);
    List<StepRequest> requests = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      requests.add(request("m" + i, "s1", 1, 100));
    }
    assertThat(book.onRequest(store, requests.get(0), T0).released()).hasSize(1);
    for (int i = 1; i < 4; i++) {
      assertThat(book.onRequest(store, requests.get(i), T0).released()).isEmpty();
    }

    BudgetBook.Effects raised =
        book.onBudget(store, budget("b", 300, BudgetPeriod.DAY, BudgetMode.HARD, 2), T0 + 1);

    assertThat(raised.released()).containsExactly(requests.get(1), requests.get(2));
    assertThat(store.held).hasSize(1);
    assertThat(store.ledgers.get("b").reservedMicros()).isEqualTo(300);
  }

  @Test
  void aLaterSmallAttemptDoesNotOvertakeOneThatWaitsForTheSameBudget() {
    book.onBudget(store, budget("b", 100, BudgetPeriod.TOTAL, BudgetMode.HARD, 1), T0);
    book.onRequest(store, request("m0", "s1", 1, 60), T0);
    assertThat(book.onRequest(store, request("m1", "s1", 1, 60), T0).released()).isEmpty();

    // 40 left would cover 10, but m1 came first.
    assertThat(book.onRequest(store, request("m2", "s1", 1, 10), T0).released()).isEmpty();
  }

  @Test
  void aSoftBudgetNeverHoldsButAlertsAt80And100PercentOncePerPeriod() {
    book.onBudget(store, budget("s", 1_000, BudgetPeriod.DAY, BudgetMode.SOFT, 1), T0);
    List<AuditEvent> alerts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      StepRequest r = request("m" + i, "s1", 1, 100);
      BudgetBook.Effects fx = book.onRequest(store, r, T0 + i);
      assertThat(fx.released()).containsExactly(r);
      alerts.addAll(book.onResult(store, result(r, 100, T0 + i), T0 + i).alerts());
    }

    assertThat(alerts)
        .extracting(AuditEvent::target)
        .satisfiesExactly(
            t -> assertThat(t).contains("threshold=80").contains("spentMicros=800"),
            t -> assertThat(t).contains("threshold=100").contains("spentMicros=1000"));
    assertThat(alerts).allSatisfy(a -> assertThat(a.action()).isEqualTo(AuditEvent.BUDGET_ALERT));

    // The next day is a new period: nothing spent, alerts again when crossed.
    long nextDay = T0 + 86_400_000L;
    StepRequest r = request("n", "s1", 1, 900);
    book.onRequest(store, r, nextDay);
    assertThat(book.onResult(store, result(r, 900, nextDay), nextDay).alerts()).hasSize(1);
    assertThat(store.ledgers.get("s").spentMicros()).isEqualTo(900);
  }

  @Test
  void aNewPeriodRollsOverWhatTheLastOneLeftAndReleasesHeldAttempts() {
    BudgetRecord rolling =
        new BudgetRecord(
            WS,
            "r",
            1_000,
            BudgetPeriod.DAY,
            0,
            true,
            BudgetMode.HARD,
            null,
            null,
            T0,
            "key:k1",
            null,
            1);
    book.onBudget(store, rolling, T0);
    StepRequest a = request("m1", "s1", 1, 700);
    book.onRequest(store, a, T0);
    book.onResult(store, result(a, 700, T0 + 1), T0 + 1);
    assertThat(book.onRequest(store, request("m2", "s1", 1, 1_200), T0 + 2).released()).isEmpty();

    long midnight = BudgetPeriod.DAY.end(BudgetPeriod.DAY.start(T0, 1));
    BudgetBook.Effects fx = book.onTimer(store, midnight);

    // 300 left yesterday + 1,000 today covers 1,200.
    assertThat(fx.released()).hasSize(1);
    BudgetLedger l = store.ledgers.get("r");
    assertThat(l.limitMicros()).isEqualTo(1_300);
    assertThat(l.spentMicros()).isZero();
    assertThat(l.reservedMicros()).isEqualTo(1_200);
  }

  @Test
  void aBudgetCreatedMidPeriodCountsWhatItsScopeSpentInThatPeriod() {
    StepRequest a = request("m1", "s1", 1, 250);
    book.onRequest(store, a, T0);
    book.onResult(store, result(a, 250, T0 + 1), T0 + 1);
    StepRequest old = request("m0", "s1", 1, 5_000);
    book.onResult(store, result(old, 5_000, T0 - 40L * 86_400_000), T0 + 1);

    book.onBudget(store, budget("b", 1_000, BudgetPeriod.MONTH, BudgetMode.HARD, 1), T0 + 2);
    assertThat(store.ledgers.get("b").spentMicros()).isEqualTo(250);

    BudgetRecord other =
        new BudgetRecord(
            WS,
            "other-model",
            1_000,
            BudgetPeriod.TOTAL,
            0,
            false,
            BudgetMode.HARD,
            null,
            "gemini-2.5-pro",
            T0,
            "key:k1",
            null,
            1);
    book.onBudget(store, other, T0 + 3);
    assertThat(store.ledgers.get("other-model").spentMicros()).isZero();
    BudgetRecord all = budget("all", 10_000, BudgetPeriod.TOTAL, BudgetMode.HARD, 1);
    book.onBudget(store, all, T0 + 3);
    assertThat(store.ledgers.get("all").spentMicros()).isEqualTo(5_250);
  }

  @Test
  void anAgentBudgetHoldsOnlyThatAgent() {
    BudgetRecord scouts =
        new BudgetRecord(
            WS,
            "scouts",
            0,
            BudgetPeriod.TOTAL,
            0,
            false,
            BudgetMode.HARD,
            "agent-scout",
            null,
            T0,
            "key:k1",
            null,
            1);
    book.onBudget(store, scouts, T0);
    JsonNode params =
        Json.mapper()
            .createObjectNode()
            .set("simulate", Json.mapper().createObjectNode().put("costMicros", 10));
    StepRequest writer =
        new StepRequest("m1", WS, "s1", 1, "content-orchestrator", "write", params, "m", T0);

    assertThat(book.onRequest(store, writer, T0).released()).containsExactly(writer);
    assertThat(book.onRequest(store, request("m2", "s1", 1, 10), T0).released()).isEmpty();
  }

  @Test
  void aMissionThatEndsDropsItsHeldAttemptsAndDeletingABudgetReleasesItsOwn() {
    book.onBudget(store, budget("b", 0, BudgetPeriod.TOTAL, BudgetMode.HARD, 1), T0);
    book.onRequest(store, request("m1", "s1", 1, 10), T0);
    StepRequest second = request("m2", "s1", 1, 10);
    book.onRequest(store, second, T0);
    assertThat(store.held).hasSize(2);

    book.onMissionEnded(store, "m1", T0 + 1);
    assertThat(store.held.values()).extracting(h -> h.request().missionId()).containsExactly("m2");

    BudgetRecord deleted =
        new BudgetRecord(
            WS,
            "b",
            0,
            BudgetPeriod.TOTAL,
            0,
            false,
            BudgetMode.HARD,
            null,
            null,
            T0,
            "key:k1",
            T0 + 2,
            2);
    BudgetBook.Effects fx = book.onBudget(store, deleted, T0 + 2);
    assertThat(fx.released()).containsExactly(second);
    assertThat(fx.statuses()).extracting(BudgetStatus::deleted).containsExactly(true);
    assertThat(store.ledgers).isEmpty();
  }

  @Test
  void aNewerAttemptOfAHeldStepReplacesTheOlderOne() {
    book.onBudget(store, budget("b", 0, BudgetPeriod.TOTAL, BudgetMode.HARD, 1), T0);
    book.onRequest(store, request("m1", "s1", 1, 10), T0);
    book.onRequest(store, request("m1", "s1", 2, 10), T0 + 1);

    assertThat(store.held.values()).extracting(h -> h.request().attempt()).containsExactly(2);
  }

  @Test
  void anOlderRevisionOfABudgetChangesNothing() {
    book.onBudget(store, budget("b", 500, BudgetPeriod.TOTAL, BudgetMode.HARD, 3), T0);
    book.onBudget(store, budget("b", 9_000, BudgetPeriod.TOTAL, BudgetMode.HARD, 2), T0 + 1);

    assertThat(store.ledgers.get("b").limitMicros()).isEqualTo(500);
  }

  @Test
  void theCatalogBoundCoversWhatAnAgentCanBeChargedForOneCall() {
    AttemptCostBound bound = AttemptCostBound.of(AgentCatalog.shipped(), PriceTable.shipped());
    StepRequest r =
        new StepRequest(
            "m", WS, "s1", 1, "agent-scout", "research the market", null, "a mission", T0);
    AttemptCostBound.Bound b = bound.bound(r, T0);

    // agent-scout: gemini-2.5-flash, 2,048 output tokens at most; the prompt at most one token per
    // byte.
    PriceTable prices = PriceTable.shipped();
    long outputOnly =
        prices
            .find("gemini-2.5-flash", Instant.ofEpochMilli(T0))
            .orElseThrow()
            .costMicros(new Usage(0, 2_048, 0, 0));
    assertThat(b.model()).isEqualTo("gemini-2.5-flash");
    assertThat(b.worstMicros()).isGreaterThan(outputOnly);
  }

  /**
   * Many workspaces' worth of random traffic against one hard budget: whatever the interleaving of
   * requests, results and budget changes, spend never passes the limit when exact costs stay within
   * their reservations, and every reservation is released by its result.
   */
  @Test
  void randomTrafficNeverOvershootsAHardBudget() {
    for (int seed = 0; seed < 200; seed++) {
      MemoryBudgetStore s = new MemoryBudgetStore();
      Random random = new Random(seed);
      long limit = 1_000 + random.nextInt(5_000);
      book.onBudget(s, budget("b", limit, BudgetPeriod.TOTAL, BudgetMode.HARD, 1), T0);
      List<StepRequest> running = new ArrayList<>();
      int n = 0;
      for (int i = 0; i < 300; i++) {
        if (running.isEmpty() || random.nextInt(3) > 0) {
          StepRequest r = request("m" + n++, "s1", 1, 1 + random.nextInt(400));
          running.addAll(book.onRequest(s, r, T0 + i).released());
        } else {
          StepRequest done = running.remove(random.nextInt(running.size()));
          long cost =
              random.nextInt(
                  (int) done.parameters().path("simulate").path("costMicros").asLong() + 1);
          running.addAll(book.onResult(s, result(done, cost, T0 + i), T0 + i).released());
        }
        BudgetLedger l = s.ledgers.get("b");
        assertThat(l.spentMicros() + l.reservedMicros()).isLessThanOrEqualTo(limit);
      }
      for (StepRequest done : List.copyOf(running)) {
        running.remove(done);
        running.addAll(book.onResult(s, result(done, 0, T0 + 1_000), T0 + 1_000).released());
        while (!running.isEmpty()) {
          StepRequest next = running.remove(0);
          running.addAll(book.onResult(s, result(next, 0, T0 + 1_000), T0 + 1_000).released());
        }
      }
      assertThat(s.ledgers.get("b").reservedMicros()).isZero();
      assertThat(s.reservations).isEmpty();
    }
  }

  private static WalletGrantRecord grant(
      String id, long amount, long effectiveAt, Long expiresAt, int priority) {
    return new WalletGrantRecord(
        WS, id, amount, effectiveAt, expiresAt, priority, null, T0, "key:owner", 1);
  }

  @Test
  void aWalletWithoutGrantsLimitsNothing_onceGrantedItIsAHardLimit_andAGrantReleasesWhatWaited() {
    assertThat(book.onRequest(store, request("m0", "s1", 1, 500), T0).released()).hasSize(1);
    book.onGrant(store, grant("g1", 1_000, T0, null, 10), T0);

    StepRequest a = request("m1", "s1", 1, 800);
    StepRequest b = request("m2", "s1", 1, 800);
    assertThat(book.onRequest(store, a, T0).released()).containsExactly(a);
    BudgetBook.Effects held = book.onRequest(store, b, T0);
    assertThat(held.signals())
        .singleElement()
        .satisfies(
            sig -> {
              assertThat(sig.budgetId()).isEqualTo(BudgetStatus.WALLET);
              assertThat(sig.reason()).contains("the wallet has 200 micro-credits available");
            });

    BudgetBook.Effects topUp = book.onGrant(store, grant("g2", 1_000, T0, null, 10), T0 + 1);
    assertThat(topUp.released()).containsExactly(b);
    assertThat(topUp.ledger())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.kind()).isEqualTo(LedgerEntry.GRANT);
              assertThat(e.amountMicros()).isEqualTo(1_000);
              assertThat(e.balanceMicros()).isEqualTo(2_000);
            });
  }

  @Test
  void costsAreDrawnByPriorityThenSoonestExpiry_andTheLedgerSumsToTheBalance() {
    book.onGrant(store, grant("late", 1_000, T0, null, 5), T0);
    book.onGrant(store, grant("soon", 300, T0, T0 + 86_400_000L, 5), T0);
    book.onGrant(store, grant("first", 200, T0, null, 1), T0);
    List<LedgerEntry> ledger = new ArrayList<>();
    StepRequest a = request("m1", "s1", 1, 600);
    book.onRequest(store, a, T0);
    ledger.addAll(book.onResult(store, result(a, 600, T0 + 1), T0 + 1).ledger());

    assertThat(ledger)
        .extracting(LedgerEntry::grantId, LedgerEntry::amountMicros)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("first", -200L),
            org.assertj.core.groups.Tuple.tuple("soon", -300L),
            org.assertj.core.groups.Tuple.tuple("late", -100L));
    assertThat(ledger.get(2).balanceMicros()).isEqualTo(900);
    assertThat(store.wallet.balance(T0 + 1)).isEqualTo(900);
    assertThat(store.wallet.reservedMicros()).isZero();
  }

  @Test
  void anExpiredGrantLosesWhatItHadLeft_once_andAFutureGrantCountsFromItsStart() {
    long day = 86_400_000L;
    book.onGrant(store, grant("short", 500, T0, T0 + day, 1), T0);
    book.onGrant(store, grant("future", 700, T0 + 2 * day, null, 1), T0);
    StepRequest a = request("m1", "s1", 1, 100);
    book.onRequest(store, a, T0);
    book.onResult(store, result(a, 100, T0 + 1), T0 + 1);
    assertThat(store.wallet.balance(T0 + 1)).isEqualTo(400);

    BudgetBook.Effects expired = book.onTimer(store, T0 + day);
    assertThat(expired.ledger())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.kind()).isEqualTo(LedgerEntry.EXPIRY);
              assertThat(e.amountMicros()).isEqualTo(-400);
            });
    assertThat(book.onTimer(store, T0 + day + 5).ledger()).isEmpty();
    assertThat(book.onRequest(store, request("m2", "s1", 1, 50), T0 + day + 10).released())
        .isEmpty();

    BudgetBook.Effects started = book.onTimer(store, T0 + 2 * day);
    assertThat(started.released()).extracting(StepRequest::missionId).containsExactly("m2");
  }

  @Test
  void anAttemptThatCostMoreThanTheWalletHeld_isOwed_andTheNextGrantPaysItFirst() {
    book.onGrant(store, grant("g", 100, T0, null, 1), T0);
    JsonNode params =
        Json.mapper()
            .createObjectNode()
            .set("simulate", Json.mapper().createObjectNode().put("costMicros", 100));
    StepRequest a = new StepRequest("m1", WS, "s1", 1, "agent-scout", "x", params, "m", T0);
    book.onRequest(store, a, T0);
    // The provider billed more than the bound: 130.
    List<LedgerEntry> debits = book.onResult(store, result(a, 130, T0 + 1), T0 + 1).ledger();
    assertThat(debits).extracting(LedgerEntry::amountMicros).containsExactly(-100L, -30L);
    assertThat(store.wallet.balance(T0 + 1)).isEqualTo(-30);

    book.onGrant(store, grant("g2", 1_000, T0, null, 1), T0 + 2);
    assertThat(store.wallet.balance(T0 + 2)).isEqualTo(970);
  }

  @Test
  void theWalletsStatusCarriesEveryGrantAsDrawn() {
    book.onGrant(store, grant("g", 1_000, T0, null, 1), T0);
    StepRequest a = request("m1", "s1", 1, 300);
    book.onRequest(store, a, T0);
    BudgetBook.Effects fx = book.onResult(store, result(a, 250, T0 + 1), T0 + 1);

    assertThat(fx.statuses())
        .filteredOn(st -> st.budgetId().equals(BudgetStatus.WALLET))
        .singleElement()
        .satisfies(
            st -> {
              assertThat(st.spentMicros()).isEqualTo(250);
              assertThat(st.reservedMicros()).isZero();
              assertThat(st.grants())
                  .singleElement()
                  .satisfies(g -> assertThat(g.remainingMicros()).isEqualTo(750));
            });
  }
}
