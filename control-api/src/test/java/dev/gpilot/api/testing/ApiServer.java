package dev.gpilot.api.testing;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.tenancy.TenancyOptions;
import dev.gpilot.api.vault.VaultOptions;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The control API alone on a test broker of its own (and a ClickHouse database when asked), for a
 * test class: no job runs its missions ({@link MissionStack} is the whole stack). The broker
 * starts, then the API on a free port with the given tokens; all stop after the class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ApiServer API =
 *     ApiServer.builder().token(TOKEN, new Principal("default", "tester")).build();
 * private static final KafkaTestBroker KAFKA = API.kafka();
 * }</pre>
 */
public final class ApiServer implements BeforeAllCallback, AfterAllCallback {
  /** Where in {@link #home()} the vault's local master keyset is. */
  public static final String KEYSET = "vault/master-keyset.json";

  private final KafkaTestBroker kafka = new KafkaTestBroker();
  private final ClickHouseTestServer clickhouse = new ClickHouseTestServer();
  private final Builder options;
  private Path home;
  private ControlApi api;
  private ControlApi withoutClickHouse;

  private ApiServer(Builder options) {
    this.options = options;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    kafka.beforeAll(context);
    if (options.clickHouse) {
      clickhouse.beforeAll(context);
    }
    ApiOptions apiOptions =
        options.api.apply(
            new ApiOptions(
                "127.0.0.1",
                0,
                kafka.bootstrapServers(),
                Path.of("unused"),
                options.maxMissionsInMemory,
                options.streamWriterThreads));
    home = Files.createTempDirectory("api-server");
    api =
        start(
            options.clickHouse
                ? apiOptions.withClickHouse(clickhouse.url(), clickhouse.database())
                : apiOptions);
    if (options.alsoWithoutClickHouse) {
      withoutClickHouse = start(apiOptions);
    }
  }

  /** An API of these options: the vault and the control plane as the builder says. */
  private ControlApi start(ApiOptions apiOptions) throws Exception {
    TokenAuthenticator tokens = TokenAuthenticator.of(Map.copyOf(options.tokens));
    if (!options.vaultAtHome) {
      return new ControlApi(apiOptions, tokens).start();
    }
    VaultOptions vault = VaultOptions.localKeyset(home.resolve(KEYSET).toString());
    return options.tenancyAtHome
        ? new ControlApi(
                apiOptions, tokens, vault, TenancyOptions.of(home.resolve("auth/key-hash-secret")))
            .start()
        : new ControlApi(apiOptions, tokens, vault).start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (api != null) {
        api.close();
      }
      if (withoutClickHouse != null) {
        withoutClickHouse.close();
      }
    } finally {
      try {
        if (options.clickHouse) {
          clickhouse.afterAll(context);
        }
      } finally {
        kafka.afterAll(context);
      }
    }
  }

  public KafkaTestBroker kafka() {
    return kafka;
  }

  /** The class's ClickHouse database; only with {@link Builder#clickHouse}. */
  public ClickHouseTestServer clickhouse() {
    if (!options.clickHouse) {
      throw new IllegalStateException("built without clickHouse()");
    }
    return clickhouse;
  }

  /**
   * A fresh directory of this class, the API's home: the vault's master keyset at {@value #KEYSET}
   * with {@link Builder#vaultAtHome}, the key-hash secret at {@code auth/key-hash-secret} with
   * {@link Builder#tenancyAtHome}.
   */
  public Path home() {
    return home;
  }

  public ControlApi api() {
    return api;
  }

  /**
   * A second API with the same options and no ClickHouse; only with {@link
   * Builder#alsoWithoutClickHouse}.
   */
  public ControlApi withoutClickHouse() {
    if (!options.alsoWithoutClickHouse) {
      throw new IllegalStateException("built without alsoWithoutClickHouse()");
    }
    return withoutClickHouse;
  }

  public int port() {
    return api.port();
  }

  /** A client of this API with the given token ({@code null}: none). */
  public ApiClient client(String token) {
    return new ApiClient(() -> "http://127.0.0.1:" + api.port(), token);
  }

  public static final class Builder {
    private final Map<String, Principal> tokens = new LinkedHashMap<>();
    private long maxMissionsInMemory = 10_000;
    private int streamWriterThreads = 2;
    private UnaryOperator<ApiOptions> api = UnaryOperator.identity();
    private boolean clickHouse;
    private boolean alsoWithoutClickHouse;
    private boolean vaultAtHome;
    private boolean tenancyAtHome;

    private Builder() {}

    public Builder token(String token, Principal principal) {
      tokens.put(token, principal);
      return this;
    }

    public Builder tokens(Map<String, Principal> more) {
      tokens.putAll(more);
      return this;
    }

    /** The API reads from a fresh ClickHouse database of the class's own. */
    public Builder clickHouse() {
      this.clickHouse = true;
      return this;
    }

    /**
     * Also starts a second API with the same options but no ClickHouse, to see what an API without
     * one answers.
     */
    public Builder alsoWithoutClickHouse() {
      this.alsoWithoutClickHouse = true;
      return this;
    }

    /** Changes the API's options before it starts. */
    public Builder api(UnaryOperator<ApiOptions> change) {
      this.api = change;
      return this;
    }

    /** How many missions the API keeps in memory (10,000 unless set). */
    public Builder maxMissionsInMemory(long missions) {
      this.maxMissionsInMemory = missions;
      return this;
    }

    /** How many threads write the API's streams (2 unless set). */
    public Builder streamWriterThreads(int threads) {
      this.streamWriterThreads = threads;
      return this;
    }

    /**
     * The vault's master keyset is a local one in {@link #home()} (else as the environment says).
     */
    public Builder vaultAtHome() {
      this.vaultAtHome = true;
      return this;
    }

    /**
     * The control plane's key-hash secret is in {@link #home()} too, with the vault's keyset (else
     * as the environment says).
     */
    public Builder tenancyAtHome() {
      this.vaultAtHome = true;
      this.tenancyAtHome = true;
      return this;
    }

    public ApiServer build() {
      return new ApiServer(this);
    }
  }
}
