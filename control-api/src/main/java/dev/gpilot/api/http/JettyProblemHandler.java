package dev.gpilot.api.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers as problems, like every other error of the API, instead of Jetty's HTML
 * page: for requests Jetty rejects before any route runs (a malformed request line or header, a URI
 * or header block over its limits, a path with an illegal character or bad UTF-8). The detail is
 * Jetty's reason, which names the rule that was broken, not the input. Installed on the server and
 * on the servlet context.
 */
public final class JettyProblemHandler extends ErrorHandler {
  /** Every method gets a problem body (Jetty's page is only for GET, POST and HEAD). */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    ApiException problem =
        code == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505
            // RFC 9110 files an unknown HTTP version under 5xx, but it is the client's request that
            // is wrong: the server
            // is fine, and a 5xx would count against it in every error rate.
            ? ApiException.badRequest("unsupported HTTP version; send HTTP/1.1")
            : Problems.forStatus(code, message);
    response.setStatus(problem.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
    response.write(true, ByteBuffer.wrap(Problems.body(problem, null)), callback);
  }
}
