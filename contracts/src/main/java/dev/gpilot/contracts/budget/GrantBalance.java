package dev.gpilot.contracts.budget;

/**
 * One wallet grant as the MissionJob draws from it: what it gave and what has been drawn.
 *
 * @param expiredMicros what was left when it expired (lost); 0 before
 */
public record GrantBalance(
    String grantId,
    long amountMicros,
    long consumedMicros,
    long effectiveAt,
    Long expiresAt,
    int priority,
    long expiredMicros) {

  public long remainingMicros() {
    return Math.max(0, amountMicros - consumedMicros - expiredMicros);
  }
}
