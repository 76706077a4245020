package dev.gpilot.api.auth;

/** Who is calling: the workspace a token belongs to and the token's subject. */
public record Principal(String workspaceId, String subject) {}
