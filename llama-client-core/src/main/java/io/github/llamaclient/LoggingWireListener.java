package io.github.llamaclient;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The {@link WireListener#logging()} listener: everything to System.Logger at DEBUG. */
final class LoggingWireListener implements WireListener {
  static final LoggingWireListener INSTANCE = new LoggingWireListener();
  private static final System.Logger LOG = System.getLogger("io.github.llamaclient.wire");

  private LoggingWireListener() {}

  @Override
  public void onRequest(String method, URI uri, Map<String, List<String>> headers, String body) {
    LOG.log(Level.DEBUG, () -> "--> " + method + " " + uri + " " + headers + " " + body);
  }

  @Override
  public void onResponse(URI uri, int status, Map<String, List<String>> headers, Duration sinceRequest) {
    LOG.log(Level.DEBUG, () -> "<-- " + status + " " + uri + " (" + sinceRequest.toMillis() + " ms) " + headers);
  }

  @Override
  public void onLine(URI uri, String line, Duration sinceRequest) {
    LOG.log(Level.DEBUG, () -> "<-- [" + sinceRequest.toNanos() / 1000 + " µs] " + line);
  }

  @Override
  public void onEnd(URI uri, Duration sinceRequest, @Nullable Throwable failure) {
    LOG.log(
        Level.DEBUG,
        () -> "<-- END " + uri + " (" + sinceRequest.toMillis() + " ms)" + (failure == null ? "" : " " + failure));
  }
}
