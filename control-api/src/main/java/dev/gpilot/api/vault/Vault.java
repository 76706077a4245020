package dev.gpilot.api.vault;

import dev.gpilot.vault.MasterKeyProvider;
import io.javalin.config.RoutesConfig;
import java.time.Clock;
import java.time.Duration;

/**
 * The vault feature of one API instance, composed: the feed that materializes {@code
 * gpilot.vault.v1}, the writer, the service and its routes. {@link #start} returns once the feed
 * has read the topic to its end.
 */
public final class Vault implements AutoCloseable {
  private final VaultStore store = new VaultStore();
  private final VaultFeed feed;
  private final VaultWriter writer;
  private final VaultService service;
  private final VaultOptions options;

  private Vault(
      String bootstrapServers,
      VaultOptions options,
      MasterKeyProvider master,
      VaultFaults faults,
      Clock clock) {
    this.options = options;
    VaultKeyring keyring = new VaultKeyring(master);
    this.feed = new VaultFeed(bootstrapServers, store);
    this.writer =
        new VaultWriter(bootstrapServers, options.transactionalId(), store, feed, keyring, faults);
    this.service = new VaultService(store, writer, keyring, master, options, clock);
  }

  /**
   * Starts the vault. The master key is loaded on the first write that needs it (a local keyset
   * file is created then), so an API that never touches the vault needs none.
   */
  public static Vault start(String bootstrapServers, VaultOptions options, Clock clock)
      throws InterruptedException {
    return start(
        bootstrapServers,
        options,
        new MasterKeyProvider(options.keys(), true),
        VaultFaults.NONE,
        clock);
  }

  /**
   * {@link #start(String, VaultOptions, Clock)} with a given master key and fault points (tests).
   */
  public static Vault start(
      String bootstrapServers,
      VaultOptions options,
      MasterKeyProvider master,
      VaultFaults faults,
      Clock clock)
      throws InterruptedException {
    Vault vault = new Vault(bootstrapServers, options, master, faults, clock);
    vault.feed.start();
    if (!vault.feed.awaitCaughtUp(Duration.ofMinutes(5))) {
      vault.close();
      throw new IllegalStateException(
          "the vault feed did not catch up with Kafka within 5 minutes");
    }
    vault.writer.start();
    return vault;
  }

  public boolean caughtUp() {
    return feed.caughtUp();
  }

  /** How far the vault's feed follows Kafka now (for {@code /health}). */
  public dev.gpilot.api.kafka.TopicFollower.Health feedHealth() {
    return feed.health();
  }

  public VaultService service() {
    return service;
  }

  public void register(RoutesConfig routes) {
    new VaultRoutes(service, options.maxValueBytes()).register(routes);
  }

  @Override
  public void close() throws InterruptedException {
    writer.close();
    feed.close();
  }
}
