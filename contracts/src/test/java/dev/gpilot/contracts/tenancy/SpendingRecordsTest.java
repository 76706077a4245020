package dev.gpilot.contracts.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import org.junit.jupiter.api.Test;

/**
 * Budgets, wallet grants and invitations on gpilot.control-plane.v1 (SPEC.md section 11,
 * "Storage").
 */
class SpendingRecordsTest {
  private static final JsonCodec<ControlPlaneRecord> CODEC = JsonCodec.of(ControlPlaneRecord.class);
  private static final String HASH = "0123456789abcdef".repeat(4);

  private static BudgetRecord budget(String agent, String model) {
    return new BudgetRecord(
        "acme",
        "gemini-monthly",
        5_000_000,
        BudgetPeriod.MONTH,
        15,
        true,
        BudgetMode.HARD,
        agent,
        model,
        1_000,
        "alice",
        null,
        3);
  }

  @Test
  void budget_travelsWithTheFieldsOfTheSpec_andComesBackEqual() throws Exception {
    BudgetRecord budget = budget("seo-analyst", null);
    String json = CODEC.encodeToString(budget);
    JsonNode tree = Json.mapper().readTree(json);
    assertThat(tree.get("type").asText()).isEqualTo("budget");
    assertThat(tree.get("period").asText()).isEqualTo("month");
    assertThat(tree.get("mode").asText()).isEqualTo("hard");
    assertThat(tree.get("limitMicros").asLong()).isEqualTo(5_000_000);
    assertThat(tree.has("key")).as("the key is the Kafka key, not a field").isFalse();
    assertThat(CODEC.decode(json)).isEqualTo(budget);
    assertThat(budget.key()).isEqualTo("budget/acme/gemini-monthly");
  }

  @Test
  void budget_scope_coversOnlyItsAgentAndModel_blankMeaningAll() {
    assertThat(budget(null, null).covers("any", "any-model")).isTrue();
    assertThat(budget(" ", "").agent()).as("blank is none").isNull();
    assertThat(budget("seo-analyst", null).covers("seo-analyst", "gemini-2.5-pro")).isTrue();
    assertThat(budget("seo-analyst", null).covers("agent-scout", "gemini-2.5-pro")).isFalse();
    BudgetRecord both = budget("seo-analyst", "gemini-2.5-flash");
    assertThat(both.covers("seo-analyst", "gemini-2.5-flash")).isTrue();
    assertThat(both.covers("seo-analyst", "gemini-2.5-pro")).isFalse();
    assertThat(both.covers(null, "gemini-2.5-flash")).isFalse();
  }

  @Test
  void budget_resetDayDefaultsPerPeriod_andIsDeletedOnlyWithADeletionTime() {
    BudgetRecord week =
        new BudgetRecord(
            "acme",
            "b1",
            0,
            BudgetPeriod.WEEK,
            0,
            false,
            BudgetMode.SOFT,
            null,
            null,
            1,
            "alice",
            null,
            1);
    assertThat(week.resetDay()).isEqualTo(1);
    assertThat(week.deleted()).isFalse();
    BudgetRecord total =
        new BudgetRecord(
            "acme",
            "b1",
            0,
            BudgetPeriod.TOTAL,
            12,
            false,
            BudgetMode.SOFT,
            null,
            null,
            1,
            "alice",
            5L,
            2);
    assertThat(total.resetDay()).as("a total budget has no reset day").isEqualTo(1);
    assertThat(total.deleted()).isTrue();
  }

  @Test
  void budget_fromJson_withBadFields_isRefusedNamingTheField() {
    String good =
        "{\"type\":\"budget\",\"workspaceId\":\"acme\",\"budgetId\":\"b1\",\"limitMicros\":10,"
            + "\"period\":\"week\",\"resetDay\":3,\"rollover\":false,\"mode\":\"soft\",\"updatedAt\":1,"
            + "\"updatedBy\":\"alice\",\"revision\":1}";
    assertThat(CODEC.decode(good)).isInstanceOf(BudgetRecord.class);
    assertRefused(good.replace("\"b1\"", "\"B1\""), "budgetId must be 1-63 of a-z 0-9 -");
    assertRefused(good.replace("\"b1\"", "\"-b\""), "budgetId must be 1-63 of a-z 0-9 -");
    assertRefused(good.replace(":10,", ":-1,"), "limitMicros must be >= 0");
    assertRefused(
        good.replace("\"week\"", "\"fortnight\""), "period must be one of day, week, month, total");
    assertRefused(
        good.replace("\"period\":\"week\",", ""), "period must be one of day, week, month, total");
    assertRefused(good.replace("\"soft\"", "\"strict\""), "mode must be hard or soft");
    assertRefused(good.replace("\"mode\":\"soft\",", ""), "mode must be hard or soft");
    assertRefused(
        good.replace("\"resetDay\":3", "\"resetDay\":8"), "resetDay must be 1-7 for a week budget");
    assertRefused(good.replace("\"alice\"", "\" \""), "updatedBy is required");
    assertRefused(good.replace("\"acme\"", "\"Acme\""), "workspaceId must be 1-63");
  }

  @Test
  void walletGrant_isInEffectFromItsStartUntilItsExpiry() {
    WalletGrantRecord grant =
        new WalletGrantRecord("acme", "g-1", 1_000_000, 100, 200L, 10, "promo", 50, "alice", 1);
    assertThat(grant.inEffect(99)).isFalse();
    assertThat(grant.inEffect(100)).isTrue();
    assertThat(grant.inEffect(199)).isTrue();
    assertThat(grant.inEffect(200)).as("expiresAt is the first instant without it").isFalse();
    WalletGrantRecord forever =
        new WalletGrantRecord("acme", "g-2", 1, 100, null, 0, null, 50, "alice", 1);
    assertThat(forever.inEffect(Long.MAX_VALUE)).isTrue();
    assertThat(CODEC.decode(CODEC.encodeToString(grant))).isEqualTo(grant);
    assertThat(CODEC.encodeToString(grant)).contains("\"type\":\"wallet-grant\"");
    assertThat(grant.key()).isEqualTo("wallet-grant/acme/g-1");
  }

  @Test
  void walletGrant_withBadFields_isRefused() {
    assertThatThrownBy(
            () -> new WalletGrantRecord("acme", "g-1", 0, 0, null, 10, null, 0, "alice", 1))
        .hasMessage("amountMicros must be > 0");
    assertThatThrownBy(
            () -> new WalletGrantRecord("acme", "g-1", 1, 100, 100L, 10, null, 0, "alice", 1))
        .hasMessage("expiresAt must be after effectiveAt");
    assertThatThrownBy(
            () -> new WalletGrantRecord("acme", "g-1", 1, 0, null, 1001, null, 0, "alice", 1))
        .hasMessage("priority must be 0-1000");
    assertThatThrownBy(
            () -> new WalletGrantRecord("acme", "g-1", 1, 0, null, -1, null, 0, "alice", 1))
        .hasMessage("priority must be 0-1000");
    assertThatThrownBy(
            () -> new WalletGrantRecord("acme", "G_1", 1, 0, null, 1, null, 0, "alice", 1))
        .hasMessageStartingWith("grantId must be");
    assertThatThrownBy(() -> new WalletGrantRecord("acme", "g-1", 1, 0, null, 1, null, 0, null, 1))
        .hasMessage("createdBy is required");
  }

  @Test
  void invitation_isOpenUntilAcceptedOrExpired_andAcceptingIsANewRevision() {
    InvitationRecord invitation =
        new InvitationRecord(
            "acme",
            "i_0123456789abcdef",
            " Carol@Example.COM ",
            Role.MEMBER,
            HASH,
            1_000,
            10,
            "alice",
            null,
            1);
    assertThat(invitation.email()).isEqualTo("carol@example.com");
    assertThat(invitation.openAt(999)).isTrue();
    assertThat(invitation.openAt(1_000)).isFalse();
    InvitationRecord accepted = invitation.accepted(500);
    assertThat(accepted.openAt(501)).isFalse();
    assertThat(accepted.acceptedAt()).isEqualTo(500);
    assertThat(accepted.revision()).isEqualTo(2);
    assertThat(accepted.key()).isEqualTo("invitation/acme/i_0123456789abcdef");
    String json = CODEC.encodeToString(accepted);
    assertThat(json)
        .contains("\"type\":\"invitation\"")
        .contains("\"role\":\"member\"")
        .doesNotContain("openAt")
        .doesNotContain("\"open\"");
    assertThat(CODEC.decode(json)).isEqualTo(accepted);
  }

  @Test
  void invitation_withBadFields_isRefused() {
    assertThatThrownBy(
            () ->
                new InvitationRecord(
                    "acme", "i_0123", "c@example.com", Role.MEMBER, HASH, 1, 1, "a", null, 1))
        .hasMessage("invitationId must be i_ and 16 hex digits");
    assertThatThrownBy(
            () ->
                new InvitationRecord(
                    "acme",
                    "i_0123456789abcdef",
                    "not-an-email",
                    Role.MEMBER,
                    HASH,
                    1,
                    1,
                    "a",
                    null,
                    1))
        .hasMessage("email must be an email address");
    assertThatThrownBy(
            () ->
                new InvitationRecord(
                    "acme", "i_0123456789abcdef", "c@example.com", null, HASH, 1, 1, "a", null, 1))
        .hasMessage("role is required");
    assertThatThrownBy(
            () ->
                new InvitationRecord(
                    "acme",
                    "i_0123456789abcdef",
                    "c@example.com",
                    Role.MEMBER,
                    HASH.toUpperCase(),
                    1,
                    1,
                    "a",
                    null,
                    1))
        .hasMessage("tokenHash must be 64 lowercase hex digits");
  }

  private static void assertRefused(String json, String message) {
    assertThatThrownBy(() -> CODEC.decode(json))
        .as(json)
        .isInstanceOf(CodecException.class)
        .hasMessageContaining(message);
  }
}
