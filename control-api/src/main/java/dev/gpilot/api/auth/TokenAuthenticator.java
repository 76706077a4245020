package dev.gpilot.api.auth;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks {@code Authorization: Bearer <token>} against a tokens file. The file holds only SHA-256
 * digests of tokens, one per line: {@code <sha256-hex> <workspaceId> <subject>}; {@code #} starts a
 * comment. Tokens themselves are never stored or logged by the API.
 */
public final class TokenAuthenticator {
  private final Map<String, Principal> byDigest;

  private TokenAuthenticator(Map<String, Principal> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  public static TokenAuthenticator fromFile(Path file) throws IOException {
    Map<String, Principal> tokens = new HashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] parts = trimmed.split("\\s+");
      if (parts.length != 3 || parts[0].length() != 64) {
        throw new IllegalArgumentException(
            "tokens file " + file + ": expected '<sha256-hex> <workspaceId> <subject>' per line");
      }
      tokens.put(parts[0].toLowerCase(), new Principal(parts[1], parts[2]));
    }
    return new TokenAuthenticator(tokens);
  }

  /** Tokens given in the clear (tests, embedded use); only their digests are kept. */
  public static TokenAuthenticator of(Map<String, Principal> tokens) {
    Map<String, Principal> byDigest = new HashMap<>();
    tokens.forEach((token, principal) -> byDigest.put(digest(token), principal));
    return new TokenAuthenticator(byDigest);
  }

  /** The workspaces the file's tokens belong to. */
  public java.util.Set<String> workspaces() {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    byDigest.values().forEach(p -> ids.add(p.workspaceId()));
    return ids;
  }

  /** The token's principal (an Owner of its workspace), or null when the file has no such token. */
  public Principal find(String token) {
    return byDigest.get(digest(token));
  }

  /**
   * The bearer token of an {@code Authorization} header.
   *
   * @throws ApiException 401 when the header is missing or malformed
   */
  public static String bearer(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.isBlank()) {
      throw ApiException.unauthorized(
          "missing Authorization header; send 'Authorization: Bearer <token>'");
    }
    String[] parts = authorizationHeader.strip().split("\\s+", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isBlank()) {
      throw ApiException.unauthorized("Authorization header must be 'Bearer <token>'");
    }
    return parts[1].strip();
  }

  /**
   * @throws ApiException 401 when the header is missing, malformed or names an unknown token
   */
  public Principal authenticate(String authorizationHeader) {
    // The map lookup is by digest, so timing reveals nothing about a valid token's bytes.
    Principal principal = byDigest.get(digest(bearer(authorizationHeader)));
    if (principal == null) {
      throw ApiException.unauthorized("unknown or revoked token");
    }
    return principal;
  }

  public static String digest(String token) {
    return Sha256.hex(token);
  }
}
