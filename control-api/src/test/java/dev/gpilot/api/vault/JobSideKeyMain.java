package dev.gpilot.api.vault;

import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.jobs.vault.KeyRequest;
import dev.gpilot.jobs.vault.ProviderKeyResolver;
import dev.gpilot.jobs.vault.ResolvedKey;
import dev.gpilot.jobs.vault.VaultKeyResolverOptions;

/**
 * What the MissionJob does with a workspace key, in a process of its own (run by {@link
 * VaultAcrossProcessesITCase} in a fresh JVM): opens the job-side resolver as a task does ({@link
 * VaultKeyResolverOptions#open}), resolves one secret and prints {@code fingerprint=<fp>
 * sha256=<digest of the value>} on one line. Never the value. Exits 1 with the error (which names
 * no value) when the key does not resolve.
 *
 * <p>Arguments: Kafka bootstrap servers, the master keyset file, workspace id, secret name.
 */
public final class JobSideKeyMain {
  private JobSideKeyMain() {}

  public static void main(String[] args) {
    int status = 0;
    VaultKeyResolverOptions options =
        new VaultKeyResolverOptions(
            args[0], VaultKeyOptions.localKeyset(args[1]), "GPILOT_TEST_NO_DEPLOYMENT_KEY");
    try (ProviderKeyResolver resolver = options.open(null)) {
      ResolvedKey key = resolver.keyFor(KeyRequest.of(args[2], args[3]));
      System.out.println(
          "fingerprint=" + key.fingerprint() + " sha256=" + Sha256.hex(key.revealForUse()));
    } catch (RuntimeException e) {
      System.out.println("error: " + e);
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        System.out.println("  caused by: " + cause);
      }
      status = 1;
    }
    System.out.flush();
    System.exit(status);
  }
}
