package dev.gpilot.api.tenancy;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.vault.VaultOptions;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Two API instances on a test broker of their own, sharing a control plane (the same key-hash
 * secret and vault keyset in a fresh home), as two replicas behind a load balancer run, each with a
 * client; file tokens from {@code tokens}. A JUnit extension: the broker and both instances start
 * before the test class and stop after it.
 */
final class TwoApis implements BeforeAllCallback, AfterAllCallback {
  final ApiClient one;
  final ApiClient two;
  private final KafkaTestBroker kafka = new KafkaTestBroker();
  private final String home;
  private final Map<String, Principal> tokens;
  private final UnaryOperator<TenancyOptions> tenancy;
  private ControlApi api1;
  private ControlApi api2;

  TwoApis(String home, Map<String, Principal> tokens, UnaryOperator<TenancyOptions> tenancy) {
    this.home = home;
    this.tokens = tokens;
    this.tenancy = tenancy;
    this.one = new ApiClient(() -> "http://127.0.0.1:" + api1.port(), null);
    this.two = new ApiClient(() -> "http://127.0.0.1:" + api2.port(), null);
  }

  KafkaTestBroker kafka() {
    return kafka;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    kafka.beforeAll(context);
    Path dir = Files.createTempDirectory(home);
    TenancyOptions options = tenancy.apply(TenancyOptions.of(dir.resolve("auth/key-hash-secret")));
    VaultOptions vault =
        VaultOptions.localKeyset(dir.resolve("vault/master-keyset.json").toString());
    TokenAuthenticator authenticator = TokenAuthenticator.of(tokens);
    ApiOptions api =
        new ApiOptions("127.0.0.1", 0, kafka.bootstrapServers(), Path.of("unused"), 10_000, 2);
    api1 = new ControlApi(api, authenticator, vault, options).start();
    api2 = new ControlApi(api, authenticator, vault, options).start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (api1 != null) {
        api1.close();
      }
      if (api2 != null) {
        api2.close();
      }
    } finally {
      kafka.afterAll(context);
    }
  }
}
