package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.kafka.TopicFollower;
import dev.gpilot.clickhouse.ClickHouseClient;
import io.javalin.config.RoutesConfig;
import java.time.Clock;
import java.time.Duration;

/**
 * The control plane of one API instance, composed as the vault is: the feed that materializes
 * {@code gpilot.control-plane.v1}, the one fenced transactional writer, key usage, the service and
 * its routes. {@link #start} returns once the feed has read the topic to its end, so keys created
 * before are known.
 */
public final class Tenancy implements AutoCloseable {
  private final ControlPlaneStore store = new ControlPlaneStore();
  private final ControlPlaneFeed feed;
  private final ControlPlaneWriter writer;
  private final KeyUsageTracker usage;
  private final TenancyService service;
  private final BudgetStatusFeed budgetStatuses;
  private final BudgetService budgets;
  private final WalletService wallet;

  private Tenancy(
      String bootstrapServers,
      TenancyOptions options,
      TokenAuthenticator tokens,
      Clock clock,
      ClickHouseClient clickhouse) {
    this.feed = new ControlPlaneFeed(bootstrapServers, store);
    this.writer = new ControlPlaneWriter(bootstrapServers, options.transactionalId(), store, feed);
    this.usage = new KeyUsageTracker(writer, options.usageFlushInterval());
    this.service =
        new TenancyService(
            store, writer, new KeyHasher(options.keyHashSecretFile()), usage, tokens, clock);
    this.budgetStatuses = new BudgetStatusFeed(bootstrapServers);
    this.budgets = new BudgetService(store, writer, budgetStatuses, clock);
    this.wallet = new WalletService(store, writer, budgetStatuses, clickhouse, clock);
  }

  public static Tenancy start(
      String bootstrapServers, TenancyOptions options, TokenAuthenticator tokens, Clock clock)
      throws InterruptedException {
    return start(bootstrapServers, options, tokens, clock, null);
  }

  /**
   * @param clickhouse where the wallet's ledger is read; null: the ledger endpoints answer 503
   */
  public static Tenancy start(
      String bootstrapServers,
      TenancyOptions options,
      TokenAuthenticator tokens,
      Clock clock,
      ClickHouseClient clickhouse)
      throws InterruptedException {
    Tenancy tenancy = new Tenancy(bootstrapServers, options, tokens, clock, clickhouse);
    tenancy.feed.start();
    if (!tenancy.feed.awaitCaughtUp(Duration.ofMinutes(5))) {
      tenancy.close();
      throw new IllegalStateException(
          "the control-plane feed did not catch up with Kafka within 5 minutes");
    }
    tenancy.writer.start();
    tenancy.budgetStatuses.start();
    return tenancy;
  }

  /**
   * @throws dev.gpilot.api.http.ApiException 401 for a missing, unknown, expired or revoked
   *     credential
   */
  public Principal authenticate(String authorizationHeader) {
    return service.authenticate(authorizationHeader);
  }

  public TopicFollower.Health feedHealth() {
    return feed.health();
  }

  public void register(RoutesConfig routes) {
    new TenancyRoutes(service).register(routes);
    new BudgetRoutes(budgets).register(routes);
    new WalletRoutes(wallet).register(routes);
  }

  @Override
  public void close() throws InterruptedException {
    usage.close();
    budgetStatuses.close();
    writer.close();
    feed.close();
  }
}
