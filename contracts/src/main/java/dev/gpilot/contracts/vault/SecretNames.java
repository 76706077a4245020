package dev.gpilot.contracts.vault;

import java.util.regex.Pattern;

/**
 * The names a workspace secret may have: the providers G-Pilot calls ({@code gemini}, {@code
 * shopify}, {@code reddit}) and free-form social networks ({@code social.<name>}, {@code <name>} of
 * 1 to 63 lower-case letters, digits, {@code -} or {@code _}, starting with a letter or digit).
 */
public final class SecretNames {
  public static final String GEMINI = "gemini";
  public static final String SHOPIFY = "shopify";
  public static final String REDDIT = "reddit";

  private static final Pattern VALID =
      Pattern.compile("gemini|shopify|reddit|social\\.[a-z0-9][a-z0-9_-]{0,62}");

  private SecretNames() {}

  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches();
  }

  /**
   * @throws IllegalArgumentException naming the rule when {@code name} is not a valid secret name
   */
  public static String require(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException(
          "a secret name is 'gemini', 'shopify', 'reddit' or 'social.<name>' (<name>: 1-63 of a-z 0-9 - _)");
    }
    return name;
  }
}
