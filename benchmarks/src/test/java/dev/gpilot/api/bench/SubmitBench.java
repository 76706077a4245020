package dev.gpilot.api.bench;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.quotas.QuotaOptions;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SubmitBenchmark} on in-process services (not part of the suite; nothing needs to be up): a
 * real API over HTTP on an in-process Kafka broker, no job. Run it alone, on an otherwise idle
 * machine: {@code GPILOT_BENCH_OUT=... mvn -pl benchmarks -am verify -Dtest=SubmitBench
 * -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}; {@code -Dgpilot.bench.clients}, {@code
 * .seconds}, {@code .bulkClients} as the benchmark's arguments.
 */
class SubmitBench {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  @Test
  void submitRates() throws Exception {
    String token = "bench-token";
    try (ControlApi api =
        new ControlApi(
                new ApiOptions(
                    "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 100_000, 2),
                TokenAuthenticator.of(
                    Map.of(
                        token,
                        new Principal("default", "bench")))) // no job: nothing ever finishes,
            .withQuotas(
                QuotaOptions.defaults()
                    .withMissionsInFlight(Integer.MAX_VALUE)) // so no quota of missions
            .start()) {
      String out = System.getenv().getOrDefault("GPILOT_BENCH_OUT", "target/bench/submit.json");
      SubmitBenchmark.run(
          "http://127.0.0.1:" + api.port(),
          token,
          KAFKA.bootstrapServers(),
          Path.of(out),
          Integer.getInteger("gpilot.bench.clients", 64),
          Integer.getInteger("gpilot.bench.seconds", 20),
          Integer.getInteger("gpilot.bench.bulkClients", 4),
          0,
          null); // no job here: the idle phase only
    }
  }
}
