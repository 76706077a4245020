package dev.gpilot.standin;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One call the stand-in answered, as {@code GET /admin/calls} lists it. The API key is recorded only as its
 * SHA-256 (hex), enough to tell which key a call used without keeping the key.
 *
 * @param stream whether it was {@code streamGenerateContent}
 * @param status the HTTP status answered
 * @param fault the injected fault, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallRecord(
    long seq,
    long at,
    String model,
    boolean stream,
    String apiKeySha256,
    int status,
    long promptTokenCount,
    long candidatesTokenCount,
    long thoughtsTokenCount,
    long cachedContentTokenCount,
    boolean structured,
    String finishReason,
    Fault fault) {}
