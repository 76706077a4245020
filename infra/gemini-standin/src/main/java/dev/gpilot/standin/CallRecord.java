package dev.gpilot.standin;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One call the stand-in answered, as {@code GET /admin/calls} lists it. The API key is recorded
 * only as its SHA-256 (hex), enough to tell which key a call used without keeping the key.
 *
 * @param missionId, stepId, attempt who called: the job's {@code x-gpilot-mission-id}, {@code
 *     x-gpilot-step-id} and {@code x-gpilot-attempt} headers (the step attempt the scheduler
 *     numbered); null (left out of the JSON) when the call did not carry them
 * @param stream whether it was {@code streamGenerateContent}
 * @param status the HTTP status answered
 * @param fault the injected fault, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallRecord(
    long seq,
    long at,
    String missionId,
    String stepId,
    Integer attempt,
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
