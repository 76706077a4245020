package dev.gpilot.api.replay;

import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.Instants;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The batch replay commands of {@code ./gpilot} (SPEC.md section 8): {@code replay missions} and
 * {@code replay report}. Environment: {@code GPILOT_API_URL} (default {@code
 * http://127.0.0.1:8080}), {@code GPILOT_TOKEN}, {@code GPILOT_REPLAY_DIR} (where runs' state files
 * go), {@code CLICKHOUSE_URL} and {@code CLICKHOUSE_DATABASE} (for the report's rows).
 */
public final class MissionReplayCli {
  static final String USAGE =
      """
      usage: replay missions --from <instant> [--to <instant>] [--model <model>] [--from-step <stepId>] [--limit N] \
      [--rate R] [--run <id>]
             replay missions --run <id>            (resume a run; it keeps its options)
             replay report <run> [--wait <seconds>]""";

  private MissionReplayCli() {}

  public static void main(String[] args) {
    System.exit(run(List.of(args), System.getenv(), System.out, System.err, Clock.systemUTC()));
  }

  /** Runs one command; returns the exit code (0 ok, 1 stopped or failed, 2 bad usage). */
  static int run(
      List<String> args, Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
    if (args.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    String token = env.get("GPILOT_TOKEN");
    if (token == null || token.isBlank()) {
      err.println("gpilot: no token: set GPILOT_TOKEN (./gpilot sets it from .gpilot/token)");
      return 2;
    }
    ApiClient api =
        new ApiClient(env.getOrDefault("GPILOT_API_URL", "http://127.0.0.1:8080"), token);
    Path dir = Path.of(env.getOrDefault("GPILOT_REPLAY_DIR", ".gpilot/replay/missions"));
    try {
      return switch (args.get(0)) {
        case "missions" -> missions(args.subList(1, args.size()), api, dir, out, clock);
        case "report" -> report(args.subList(1, args.size()), api, dir, env, out);
        default -> throw new Usage("unknown command '" + args.get(0) + "'");
      };
    } catch (Usage e) {
      err.println("gpilot: " + e.getMessage());
      err.println(USAGE);
      return 2;
    } catch (MissionReplay.Stopped e) {
      err.println("gpilot: the run stopped: " + e.getMessage());
      return 1;
    } catch (ApiClient.Unreachable e) {
      err.println("gpilot: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (RuntimeException e) {
      err.println("gpilot: " + e.getMessage());
      return 1;
    }
  }

  /** A malformed command line. */
  static final class Usage extends RuntimeException {
    Usage(String message) {
      super(message);
    }
  }

  private static int missions(
      List<String> args, ApiClient api, Path dir, PrintStream out, Clock clock)
      throws MissionReplay.Stopped, InterruptedException {
    Map<String, String> flags =
        flags(
            args,
            List.of("--from", "--to", "--model", "--from-step", "--limit", "--rate", "--run"));
    String runId = flags.get("--run");
    ReplayState state = runId == null ? null : ReplayState.read(dir, runId);
    MissionReplay.Options options;
    if (state != null) {
      if (flags.size() > 1) {
        throw new Usage(
            "run " + runId + " exists: resume it with --run alone (it keeps its options)");
      }
      options = MissionReplay.Options.fromJson(state.options());
      out.println("resuming run " + runId + " (" + state.done().size() + " missions done)");
    } else {
      if (!flags.containsKey("--from")) {
        throw new Usage("--from is required");
      }
      Instant from = instant(flags.get("--from"), "--from");
      Instant to = flags.containsKey("--to") ? instant(flags.get("--to"), "--to") : clock.instant();
      if (!from.isBefore(to)) {
        throw new Usage("--from must be before --to");
      }
      long limit =
          flags.containsKey("--limit") ? positive(flags.get("--limit"), "--limit") : Long.MAX_VALUE;
      double rate = flags.containsKey("--rate") ? rate(flags.get("--rate")) : 2.0;
      if (runId == null) {
        runId =
            "r"
                + clock.instant().toString().replaceAll("[^0-9]", "").substring(0, 14)
                + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt(1 << 16));
      } else if (!runId.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
        throw new Usage("--run must be 1-64 letters, digits, '.', '_' or '-'");
      }
      options =
          new MissionReplay.Options(
              runId, from, to, flags.get("--model"), flags.get("--from-step"), limit, rate);
      state = ReplayState.create(dir, runId, options.toJson());
    }
    new MissionReplay(api, out, Thread::sleep).run(options, state);
    return 0;
  }

  private static int report(
      List<String> args, ApiClient api, Path dir, Map<String, String> env, PrintStream out)
      throws ApiClient.Unreachable, InterruptedException {
    if (args.isEmpty() || args.get(0).startsWith("--")) {
      throw new Usage("name the run: replay report <run>");
    }
    ReplayState state = ReplayState.read(dir, args.get(0));
    if (state == null) {
      throw new Usage("no run '" + args.get(0) + "' in " + dir);
    }
    Map<String, String> flags = flags(args.subList(1, args.size()), List.of("--wait"));
    long waitMs = flags.containsKey("--wait") ? positive(flags.get("--wait"), "--wait") * 1000 : 0;
    String url = env.get("CLICKHOUSE_URL");
    ClickHouseClient clickhouse =
        url == null || url.isBlank()
            ? null
            : new ClickHouseClient(
                url, env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot"), Duration.ofSeconds(30));
    if (clickhouse == null) {
      out.println(
          "no CLICKHOUSE_URL: the comparison is printed and saved, not written to ClickHouse");
    }
    new ReplayReport(api, out, Clock.systemUTC()).report(state, waitMs, clickhouse);
    return 0;
  }

  private static Map<String, String> flags(List<String> args, List<String> known) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i += 2) {
      String flag = args.get(i);
      if (!known.contains(flag)) {
        throw new Usage("unknown option '" + flag + "'");
      }
      if (i + 1 >= args.size() || args.get(i + 1).isBlank()) {
        throw new Usage(flag + " needs a value");
      }
      flags.put(flag, args.get(i + 1));
    }
    return flags;
  }

  /**
   * An ISO-8601 instant ({@code 2026-12-01T00:00:00Z}) or a day ({@code 2026-12-01}, its start in
   * UTC).
   */
  static Instant instant(String value, String flag) {
    try {
      return Instants.parseInstantOrDay(value);
    } catch (DateTimeParseException e) {
      throw new Usage(
          flag
              + " must be an instant like 2026-12-01T00:00:00Z or a day like 2026-12-01, got '"
              + value
              + "'");
    }
  }

  private static long positive(String value, String flag) {
    try {
      long n = Long.parseLong(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the usage error
    }
    throw new Usage(flag + " must be a whole number of at least 1, got '" + value + "'");
  }

  private static double rate(String value) {
    try {
      double r = Double.parseDouble(value);
      if (r > 0 && r <= 1000) {
        return r;
      }
    } catch (NumberFormatException e) {
      // falls through to the usage error
    }
    throw new Usage(
        "--rate must be forks per second, more than 0 and at most 1000, got '" + value + "'");
  }
}
