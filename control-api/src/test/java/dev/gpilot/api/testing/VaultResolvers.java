package dev.gpilot.api.testing;

import dev.gpilot.jobs.vault.AuditSink;
import dev.gpilot.jobs.vault.VaultKeyResolver;
import dev.gpilot.jobs.vault.VaultReader;
import dev.gpilot.vault.MasterKeyProvider;
import java.time.Clock;

/** The job's key resolver as the job builds it, for tests that check what a mission would use. */
public final class VaultResolvers {
  private VaultResolvers() {}

  /**
   * A resolver that follows the vault topic of the broker at {@code bootstrapServers}, opens
   * secrets with {@code master}, falls back to {@code deploymentKey} (none when null) and audits
   * every use on the broker's audit topic. The caller closes it.
   */
  public static VaultKeyResolver onBroker(
      String bootstrapServers, MasterKeyProvider master, String deploymentKey) {
    return new VaultKeyResolver(
        VaultReader.acquire(bootstrapServers),
        true,
        master,
        deploymentKey,
        AuditSink.kafka(bootstrapServers),
        Clock.systemUTC());
  }
}
