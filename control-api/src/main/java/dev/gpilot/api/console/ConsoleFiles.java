package dev.gpilot.api.console;

import dev.gpilot.api.http.ApiException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Serves the web console (built from {@code console/} into the classpath directory {@code
 * /console}) at {@code /}.
 *
 * <ul>
 *   <li>{@code /assets/*}: Vite's content-hashed files, {@code Cache-Control: public,
 *       max-age=31536000, immutable} (a new build has new names, so a cached file is never stale);
 *   <li>{@code /} and other files at the top ({@code index.html}): {@code Cache-Control: no-cache},
 *       so a browser always asks for the newest index, which names the newest assets;
 *   <li>any other {@code GET} of an HTML page (a client-side route such as {@code /missions/abc}):
 *       the index, so a reload or a shared link works;
 *   <li>{@code /api/*}, {@code /health} and {@code /assets/*} never fall back: an unknown one stays
 *       a 404 problem.
 * </ul>
 *
 * A build without the console ({@code -Dconsole.skip=true}) serves a one-line page saying so.
 */
public final class ConsoleFiles {
  public static final String IMMUTABLE = "public, max-age=31536000, immutable";
  public static final String NO_CACHE = "no-cache";

  private ConsoleFiles() {}

  /** The console from the classpath directory {@code /console}. */
  public static void register(JavalinConfig config) {
    register(config, "/console");
  }

  /** The console from the given classpath directory (tests use a fixture). */
  public static void register(JavalinConfig config, String directory) {
    byte[] index = read(directory + "/index.html");
    if (index == null) {
      config.routes.get(
          "/",
          ctx ->
              ctx.header("Cache-Control", NO_CACHE)
                  .contentType("text/plain; charset=utf-8")
                  .result(
                      "The G-Pilot console is not part of this build (built with -Dconsole.skip=true)."));
      return;
    }
    if (ConsoleFiles.class.getResource(directory + "/assets") != null) {
      config.staticFiles.add(
          files -> {
            files.hostedPath = "/assets";
            files.directory = directory + "/assets";
            files.location = Location.CLASSPATH;
            files.headers = Map.of("Cache-Control", IMMUTABLE);
          });
    }
    config.staticFiles.add(
        files -> {
          files.hostedPath = "/";
          files.directory = directory;
          files.location = Location.CLASSPATH;
          files.headers = Map.of("Cache-Control", NO_CACHE);
          // Hashed files only with their long cache header, from the handler above.
          files.skipFileFunction = request -> request.getRequestURI().startsWith("/assets/");
        });
    config.spaRoot.addHandler("/", ctx -> index(ctx, index));
  }

  private static void index(Context ctx, byte[] index) {
    String path = ctx.path();
    if (path.startsWith("/api/")
        || path.equals("/api")
        || path.equals("/health")
        || path.startsWith("/assets/")) {
      throw ApiException.notFound("no such endpoint: " + ctx.method() + " " + path);
    }
    ctx.status(200)
        .header("Cache-Control", NO_CACHE)
        .contentType("text/html; charset=utf-8")
        .result(index);
  }

  private static byte[] read(String resource) {
    try (InputStream in = ConsoleFiles.class.getResourceAsStream(resource)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource + " from the classpath", e);
    }
  }
}
