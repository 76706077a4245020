package dev.gpilot.api;

import dev.gpilot.api.agents.AgentRoutes;
import dev.gpilot.api.analytics.AnalyticsRoutes;
import dev.gpilot.api.auth.RoutePermissions;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.console.ConsoleFiles;
import dev.gpilot.api.history.MissionListRoutes;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.JettyProblemHandler;
import dev.gpilot.api.http.Problems;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.kafka.TopicFollower;
import dev.gpilot.api.metrics.ApiMetrics;
import dev.gpilot.api.missions.AcceptLimit;
import dev.gpilot.api.missions.ClickHouseSubmissionArchive;
import dev.gpilot.api.missions.MissionFeed;
import dev.gpilot.api.missions.MissionForks;
import dev.gpilot.api.missions.MissionPublisher;
import dev.gpilot.api.missions.MissionRoutes;
import dev.gpilot.api.missions.MissionService;
import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.api.quotas.InFlightMissions;
import dev.gpilot.api.quotas.QuotaOptions;
import dev.gpilot.api.streams.ClickHouseEventArchive;
import dev.gpilot.api.streams.StreamRegistry;
import dev.gpilot.api.tenancy.Tenancy;
import dev.gpilot.api.tenancy.TenancyOptions;
import dev.gpilot.api.vault.Vault;
import dev.gpilot.api.vault.VaultOptions;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.agents.PriceTable;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.HttpResponseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control API: composes the services and serves them over HTTP. {@link #start()} returns once
 * the API has read the topics up to their current end, so what it answers is current.
 */
public final class ControlApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);

  private final ApiOptions options;
  private final TokenAuthenticator tokens;
  private final VaultOptions vaultOptions;
  private final TenancyOptions tenancyOptions;
  private QuotaOptions quotaOptions = QuotaOptions.fromEnv(System.getenv());
  private InFlightMissions inFlight;
  private Vault vault;
  private Tenancy tenancy;
  private MissionPublisher publisher;
  private MissionFeed feed;
  private MissionStore store;
  private StreamRegistry streams;
  private ApiMetrics metrics;
  private AnalyticsRoutes analytics;
  private Javalin app;
  private final AtomicBoolean closed = new AtomicBoolean();

  public ControlApi(ApiOptions options, TokenAuthenticator tokens) {
    this(options, tokens, VaultOptions.fromEnv(System.getenv()));
  }

  public ControlApi(ApiOptions options, TokenAuthenticator tokens, VaultOptions vaultOptions) {
    this(options, tokens, vaultOptions, TenancyOptions.fromEnv(System.getenv()));
  }

  /**
   * @param tokens the tokens file's tokens: each the Owner of its workspace, beside the API keys of
   *     the control plane
   */
  public ControlApi(
      ApiOptions options,
      TokenAuthenticator tokens,
      VaultOptions vaultOptions,
      TenancyOptions tenancyOptions) {
    this.options = options;
    this.tokens = tokens;
    this.vaultOptions = vaultOptions;
    this.tenancyOptions = tenancyOptions;
  }

  /**
   * The same API with other quotas (before {@link #start}); by default they come from the
   * environment.
   */
  public ControlApi withQuotas(QuotaOptions quotas) {
    this.quotaOptions = quotas;
    return this;
  }

  public static void main(String[] args) throws Exception {
    ApiOptions options = ApiOptions.fromEnv(System.getenv());
    ControlApi api = new ControlApi(options, TokenAuthenticator.fromFile(options.tokensFile()));
    Runtime.getRuntime().addShutdownHook(new Thread(api::close, "control-api-shutdown"));
    api.start();
  }

  public ControlApi start() throws InterruptedException {
    AgentRoutes agents =
        AgentRoutes.fromEnv(System.getenv()); // first: a bad catalog file stops the start
    TopicAdmin.ensureTopics(options.kafkaBootstrapServers());
    ClickHouseClient clickhouse =
        options.clickhouseUrl() == null
            ? null
            : new ClickHouseClient(
                options.clickhouseUrl(), options.clickhouseDatabase(), Duration.ofSeconds(10));
    inFlight = new InFlightMissions(quotaOptions, Clock.systemUTC());
    store =
        new MissionStore(
            options.maxMissionsInMemory(),
            options.maxMissionBytes(),
            clickhouse == null ? null : new ClickHouseEventArchive(clickhouse),
            inFlight);
    publisher = new MissionPublisher(options.kafkaBootstrapServers());
    // With ClickHouse to serve older missions, the feed reads back only what the quotas count (the
    // in-flight idle bound): a restart then takes the same time after a week of history as after a
    // day. Without it, the topics are all the API has.
    feed =
        new MissionFeed(
            options.kafkaBootstrapServers(),
            store,
            clickhouse == null ? null : quotaOptions.inFlightIdle());
    feed.start();
    if (!feed.awaitCaughtUp(Duration.ofMinutes(5))) {
      throw new IllegalStateException(
          "the mission feed did not catch up with Kafka within 5 minutes");
    }
    vault = Vault.start(options.kafkaBootstrapServers(), vaultOptions, Clock.systemUTC());
    tenancy =
        Tenancy.start(
            options.kafkaBootstrapServers(), tenancyOptions, tokens, Clock.systemUTC(), clickhouse);
    streams =
        new StreamRegistry(
            options.streamWriterThreads(),
            options.streamHeartbeat(),
            options.streamMaxLagEvents(),
            options.maxStreamsPerWorkspace(),
            options.maxStreams());
    HealthCheck health =
        new HealthCheck(
            Map.of(
                "missionFeed",
                feed::health,
                "vaultFeed",
                vault::feedHealth,
                "controlPlaneFeed",
                tenancy::feedHealth),
            options.feedStaleAfter());
    metrics = new ApiMetrics();
    publisher.bindMetrics(metrics);
    StreamRegistry openStreams = streams;
    metrics.gauge(
        "gpilot.streams.open",
        "mission streams this instance serves now",
        openStreams::openStreams);
    MissionStore held = store;
    metrics.gauge(
        "gpilot.missions.in.memory",
        "missions this instance holds in memory (the rest are ClickHouse's to serve)",
        held::size);
    metrics.gauge(
        "gpilot.feed.behind.seconds",
        "how long ago the feed last had everything the topics held",
        () -> behind(feed.health()),
        "feed",
        "missions");
    metrics.gauge(
        "gpilot.feed.behind.seconds",
        "how long ago the feed last had everything the topics held",
        () -> behind(vault.feedHealth()),
        "feed",
        "vault");
    metrics.gauge(
        "gpilot.feed.failures",
        "errors the feed recovered from since the start",
        () -> feed.health().failures(),
        "feed",
        "missions");
    metrics.gauge(
        "gpilot.feed.failures",
        "errors the feed recovered from since the start",
        () -> vault.feedHealth().failures(),
        "feed",
        "vault");
    metrics.gauge(
        "gpilot.feed.behind.seconds",
        "how long ago the feed last had everything the topics held",
        () -> behind(tenancy.feedHealth()),
        "feed",
        "control-plane");
    AcceptLimit accepts = new AcceptLimit(options.maxAcceptsInFlight());
    metrics.gauge(
        "gpilot.accepts.in.flight",
        "missions handed to Kafka and not yet acknowledged",
        accepts::inFlight);
    metrics.gauge(
        "gpilot.accepts.refused",
        "submissions refused with 503 since the start: too many in flight",
        accepts::refused);
    InFlightMissions quota = inFlight;
    metrics.gauge(
        "gpilot.quota.missions.in.flight",
        "missions accepted and not yet final, all workspaces",
        quota::total);
    metrics.gauge(
        "gpilot.quota.missions.in.flight.busiest",
        "missions in flight of the busiest workspace",
        quota::busiest);
    metrics.gauge(
        "gpilot.quota.missions.in.flight.limit",
        "missions one workspace may have in flight",
        quota::limit);
    metrics.gauge(
        "gpilot.quota.refused",
        "requests refused with 429 quota-exceeded since the start",
        quota::refused,
        "quota",
        "missions");
    metrics.gauge(
        "gpilot.quota.streams.busiest",
        "open streams of the busiest workspace on this instance",
        openStreams::busiestWorkspace);
    metrics.gauge(
        "gpilot.quota.streams.limit",
        "open streams one workspace may have on this instance",
        options::maxStreamsPerWorkspace);
    metrics.gauge(
        "gpilot.quota.refused",
        "requests refused with 429 quota-exceeded since the start",
        openStreams::quotaRefused,
        "quota",
        "streams");
    MissionRoutes missions =
        new MissionRoutes(
            new MissionService(
                publisher,
                store,
                clickhouse == null ? null : new ClickHouseSubmissionArchive(clickhouse),
                new MissionForks(PriceTable.load(System.getenv()), Clock.systemUTC()),
                quota,
                Clock.systemUTC()),
            streams,
            accepts);

    app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.http.compressionStrategy = CompressionStrategy.NONE;
              config.http.asyncTimeout = 0;
              config.jetty.modifyServer(
                  server -> server.setErrorHandler(new JettyProblemHandler()));
              config.jetty.modifyServletContextHandler(
                  context -> context.setErrorHandler(new JettyProblemHandler()));
              metrics.register(
                  config.routes); // first: its before-handler times what the others do, rejections
              // included
              config.routes.get(
                  "/health",
                  ctx -> {
                    HealthCheck.Report report = health.report();
                    if (report.up()) {
                      Responses.json(ctx, 200, Map.of("status", HealthCheck.UP));
                    } else {
                      Responses.json(ctx, 503, report);
                    }
                  });
              config.routes.before(
                  "/api/*",
                  ctx -> {
                    if (!ctx.method().name().equals("OPTIONS")
                        && !RoutePermissions.isPublic(ctx.method().name(), ctx.path())) {
                      ctx.attribute(
                          MissionRoutes.PRINCIPAL,
                          tenancy.authenticate(ctx.header("Authorization")));
                    }
                  });
              // Access is decided here, once, after the route matched: the route's permission
              // against the caller's role
              // (RoutePermissions; 403 /problems/forbidden). Objects of other workspaces stay 404
              // in the services.
              config.routes.beforeMatched(
                  "/api/*",
                  ctx -> {
                    if (!ctx.method().name().equals("OPTIONS")) {
                      // Javalin names the matched endpoint, except for a HEAD served by a GET
                      // route: then the tables match it.
                      var matched = ctx.endpoints().matchedHttpEndpoint();
                      String route =
                          matched != null
                              ? matched.path
                              : RoutePermissions.routeOf(ctx.method().name(), ctx.path());
                      if (route == null || !route.startsWith("/api/")) {
                        // No API route: what matched is the console's static files or fallback,
                        // which answer 404 for /api
                        // paths. (Every registered API route is in the table: AccessMatrixITCase
                        // compares them.)
                        return;
                      }
                      RoutePermissions.check(
                          ctx.attribute(MissionRoutes.PRINCIPAL), ctx.method().name(), route);
                    }
                  });
              missions.register(config.routes);
              agents.register(config.routes);
              vault.register(config.routes);
              tenancy.register(config.routes);
              analytics = AnalyticsRoutes.of(options);
              analytics.register(config.routes);
              MissionListRoutes.of(options).register(config.routes);
              ConsoleFiles.register(config);
              config.routes.exception(ApiException.class, (e, ctx) -> Problems.write(ctx, e));
              config.routes.exception(
                  CompletionException.class,
                  (e, ctx) -> {
                    if (e.getCause() instanceof ApiException api) {
                      Problems.write(ctx, api);
                    } else {
                      internalError(e, ctx);
                    }
                  });
              config.routes.exception(Exception.class, ControlApi::internalError);
              // Javalin's own answers (no route for the path or the method, ...) as problems too.
              config.routes.exception(
                  HttpResponseException.class,
                  (e, ctx) ->
                      Problems.write(ctx, Problems.forStatus(e.getStatus(), e.getMessage())));
              config.routes.error(
                  404,
                  ctx -> {
                    if (!Problems.written(ctx)) {
                      Problems.write(
                          ctx,
                          ApiException.notFound(
                              "no such endpoint: " + ctx.method() + " " + ctx.path()));
                    }
                  });
            });
    app.start(options.host(), options.port());
    LOG.info("control API listening on http://{}:{}", options.host(), app.port());
    return this;
  }

  /**
   * Seconds since the feed last had everything (NaN before it ever had: no value rather than a
   * made-up one).
   */
  private static double behind(TopicFollower.Health health) {
    return health.sinceCaughtUp() == null ? Double.NaN : health.sinceCaughtUp().toMillis() / 1000.0;
  }

  private static void internalError(Exception e, io.javalin.http.Context ctx) {
    // A public route's path holds its credential (an invitation's token): log the route, not the
    // path.
    String path =
        RoutePermissions.isPublic(ctx.method().name(), ctx.path())
            ? RoutePermissions.routeOf(ctx.method().name(), ctx.path())
            : ctx.path();
    LOG.error("unexpected error serving {} {}", ctx.method(), path, e);
    Problems.write(
        ctx, new ApiException(500, "internal", "Internal error", "an unexpected error occurred"));
  }

  public int port() {
    return app.port();
  }

  /**
   * Whether this instance holds the mission in memory now (diagnostics and tests: eviction is
   * otherwise unseen).
   */
  public boolean holdsMission(String missionId) {
    return store != null && store.holds(missionId);
  }

  /**
   * Missions of the workspace in flight as this instance counts them (for tests and diagnostics).
   */
  public int missionsInFlight(String workspaceId) {
    return inFlight == null ? 0 : inFlight.inFlight(workspaceId);
  }

  /** How many streams this instance serves now. */
  public int openStreams() {
    return streams == null ? 0 : streams.openStreams();
  }

  /**
   * Stops the API: open streams end first, each with a last frame saying where to resume, then the
   * server and the feeds. Idempotent (the shutdown hook may call it after an explicit close).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Streams first: an open stream is an async request the server would otherwise wait for when
    // stopping.
    if (streams != null) {
      streams.close();
    }
    if (app != null) {
      app.stop();
    }
    try {
      if (tenancy != null) {
        tenancy.close();
      }
      if (vault != null) {
        vault.close();
      }
      if (feed != null) {
        feed.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (publisher != null) {
      publisher.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (analytics != null) {
      analytics.close();
    }
  }
}
