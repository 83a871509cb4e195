package io.github.llamaclient;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An opt-in trace of what goes over the wire, for debugging: the request (the API key redacted),
 * the response status and headers, every raw SSE line, and the end with its timing. Set with
 * {@link LlamaClientBuilder#wireListener(WireListener)}; {@link #logging()} sends it all to {@link
 * System.Logger} at {@code DEBUG}.
 *
 * <p>Methods are called on the HTTP client's threads, one exchange's calls one after another; they
 * must be quick and must not throw (what they throw is logged and ignored). Exchanges run
 * concurrently: a listener that keeps per-exchange state returns a fresh listener from {@link
 * #forExchange()} (the {@code Recorder} of {@code llama-client-testing} does).
 */
public interface WireListener {

  /**
   * The listener for one exchange, asked once when the client creates the exchange, before {@link
   * #onRequest}; every later call about that exchange goes to the returned listener. By default
   * this listener itself, shared by all exchanges.
   *
   * @return the listener for the new exchange
   */
  default WireListener forExchange() {
    return this;
  }

  /**
   * A request is about to be sent.
   *
   * @param method the HTTP method
   * @param uri the URI
   * @param headers the request headers, {@code Authorization} redacted
   * @param body the request body as text, empty for none
   */
  default void onRequest(String method, URI uri, Map<String, List<String>> headers, String body) {}

  /**
   * The response headers arrived.
   *
   * @param uri the URI
   * @param status the HTTP status
   * @param headers the response headers
   * @param sinceRequest time since the request was sent
   */
  default void onResponse(URI uri, int status, Map<String, List<String>> headers, Duration sinceRequest) {}

  /**
   * One piece of the response body (an error body, a small JSON reply or a stream) as the client
   * read it, after the transfer framing is removed, the moment it was read. The pieces of one
   * exchange add up to its body. The bytes are not redacted.
   *
   * @param uri the URI
   * @param bytes the piece, read-only and valid only during the call (copy what you keep)
   * @param sinceRequest time since the request was sent
   */
  default void onBody(URI uri, ByteBuffer bytes, Duration sinceRequest) {}

  /**
   * One raw line of a streamed body, without its line terminator.
   *
   * @param uri the URI
   * @param line the line
   * @param sinceRequest time since the request was sent
   */
  default void onLine(URI uri, String line, Duration sinceRequest) {}

  /**
   * The exchange ended.
   *
   * @param uri the URI
   * @param sinceRequest time since the request was sent
   * @param failure why it failed, or null if it completed
   */
  default void onEnd(URI uri, Duration sinceRequest, @Nullable Throwable failure) {}

  /**
   * A listener that logs everything through {@code System.getLogger("io.github.llamaclient.wire")}
   * at {@code DEBUG}.
   *
   * @return the listener
   */
  static WireListener logging() {
    return LoggingWireListener.INSTANCE;
  }
}
