package dev.gpilot.api.tenancy;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.vault.VaultOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Two API instances on one broker sharing a control plane (the same key-hash secret and vault
 * keyset in a fresh home), as two replicas behind a load balancer run, each with a client; file
 * tokens from {@code tokens}.
 */
final class TwoApis implements AutoCloseable {
  final ApiClient one;
  final ApiClient two;
  private final ControlApi api1;
  private final ControlApi api2;

  private TwoApis(ControlApi api1, ControlApi api2) {
    this.api1 = api1;
    this.api2 = api2;
    this.one = new ApiClient(api1.port(), null);
    this.two = new ApiClient(api2.port(), null);
  }

  static TwoApis start(
      String bootstrapServers,
      String home,
      Map<String, Principal> tokens,
      UnaryOperator<TenancyOptions> tenancy)
      throws Exception {
    Path dir = Files.createTempDirectory(home);
    TenancyOptions options = tenancy.apply(TenancyOptions.of(dir.resolve("auth/key-hash-secret")));
    VaultOptions vault =
        VaultOptions.localKeyset(dir.resolve("vault/master-keyset.json").toString());
    TokenAuthenticator authenticator = TokenAuthenticator.of(tokens);
    ApiOptions api = new ApiOptions("127.0.0.1", 0, bootstrapServers, Path.of("unused"), 10_000, 2);
    ControlApi api1 = new ControlApi(api, authenticator, vault, options).start();
    try {
      return new TwoApis(api1, new ControlApi(api, authenticator, vault, options).start());
    } catch (Exception | Error e) {
      api1.close();
      throw e;
    }
  }

  @Override
  public void close() {
    api1.close();
    api2.close();
  }
}
