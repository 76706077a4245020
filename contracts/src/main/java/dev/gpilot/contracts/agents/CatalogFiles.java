package dev.gpilot.contracts.agents;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;

/**
 * Where the agent catalog and the price table are read from: the copy shipped on the classpath, or
 * a file the operator names. {@code parse} takes the JSON and the source its messages name.
 */
final class CatalogFiles {
  private CatalogFiles() {}

  /**
   * The shipped {@code resource}, parsed.
   *
   * @param what what the message calls it ("price table")
   * @throws CatalogException when it is not on the classpath
   */
  static <T> T shipped(String resource, String what, BiFunction<InputStream, String, T> parse) {
    try (InputStream in = CatalogFiles.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new CatalogException(
            "the shipped " + what + " " + resource + " is not on the classpath");
      }
      return parse.apply(in, "classpath:" + resource);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code file}, parsed.
   *
   * @param what what the message calls it ("price table")
   * @param env the variable that names the file, for the message
   * @throws CatalogException when the file cannot be read
   */
  static <T> T fromFile(
      Path file, String what, String env, BiFunction<InputStream, String, T> parse) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse.apply(in, file.toString());
    } catch (IOException e) {
      throw new CatalogException(
          "cannot read the " + what + " " + file + " (" + env + "): " + e.getMessage(), e);
    }
  }
}
