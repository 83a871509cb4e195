package io.github.llamaclient.testing;

import io.github.llamaclient.LlamaClientBuilder;
import io.github.llamaclient.WireListener;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Records every exchange a client makes, as {@link Recording}s, through the client's wire hook:
 *
 * <pre>{@code
 * Recorder recorder = Recorder.create();
 * try (LlamaClient client = LlamaClient.builder().baseUrl(url).wireListener(recorder).build()) {
 *   client.chat().call(request);
 * }
 * recorder.last().named("my-scenario", "what it shows").save(Path.of("my-scenario.json"));
 * }</pre>
 *
 * <p>Each recording holds the request (method, path with query, headers, body), the status and
 * headers with the time they arrived, and the body piece by piece with the time each was read
 * (measured on the client, from the moment the request was sent). Secrets are redacted by
 * default: the values of {@code Authorization}, {@code Proxy-Authorization}, {@code X-Api-Key},
 * {@code Cookie} and {@code Set-Cookie} (an {@code Authorization} keeps its scheme, {@code Bearer
 * ***}), query parameters that carry keys ({@code api_key}, {@code key}, {@code token}, ...), and
 * any text given to {@link #redacting(String...)} wherever it appears in the request. The URL's
 * user info is never kept (only the path is).
 *
 * <p>Thread-safe: concurrent exchanges are recorded apart ({@link WireListener#forExchange()}). A
 * recording is added when its exchange ends, completed or failed.
 */
public final class Recorder implements WireListener {
  private static final String MASK = "***";
  private static final Set<String> SECRET_HEADERS =
      Set.of("authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie");
  private static final Set<String> SECRET_PARAMETERS =
      Set.of("api_key", "apikey", "api-key", "key", "token", "access_token", "password", "secret");

  private final List<Recording> recordings = new CopyOnWriteArrayList<>();
  private final List<String> secrets;

  private Recorder(List<String> secrets) {
    this.secrets = List.copyOf(secrets);
  }

  /**
   * A recorder with the default redaction. Pass it to {@link
   * LlamaClientBuilder#wireListener(WireListener)}.
   *
   * @return a new recorder
   */
  public static Recorder create() {
    return new Recorder(List.of());
  }

  /**
   * A recorder that also replaces these texts (your API key, a password in a prompt) with {@code
   * ***} wherever they appear in the request's path, headers and body.
   *
   * @param secrets the texts; empty ones are skipped
   * @return a new recorder
   * @throws NullPointerException if an argument is null
   */
  public Recorder redacting(String... secrets) {
    List<String> all = new ArrayList<>(this.secrets);
    for (String s : secrets) {
      if (!s.isEmpty()) {
        all.add(s);
      }
    }
    return new Recorder(all);
  }

  /**
   * The exchanges recorded so far, in the order they ended.
   *
   * @return a snapshot
   */
  public List<Recording> recordings() {
    return List.copyOf(recordings);
  }

  /**
   * The last exchange that ended.
   *
   * @return the recording
   * @throws IllegalStateException if none has ended yet
   */
  public Recording last() {
    List<Recording> all = recordings();
    if (all.isEmpty()) {
      throw new IllegalStateException("no exchange was recorded yet (is the recorder the client's wireListener?)");
    }
    return all.get(all.size() - 1);
  }

  /** Forgets the recordings made so far. */
  public void clear() {
    recordings.clear();
  }

  /**
   * A listener that records one exchange; the client asks for it when the exchange starts.
   *
   * @return a new listener
   */
  @Override
  public WireListener forExchange() {
    return new OneExchange();
  }

  private String redact(String text) {
    String out = text;
    for (String s : secrets) {
      out = out.replace(s, MASK);
    }
    return out;
  }

  private String redactPath(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery();
    if (query == null) {
      return redact(path);
    }
    StringBuilder q = new StringBuilder();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      q.append(q.length() == 0 ? "" : "&");
      q.append(eq >= 0 && SECRET_PARAMETERS.contains(name.toLowerCase(Locale.ROOT)) ? name + "=" + MASK : pair);
    }
    return redact(path + "?" + q);
  }

  private Map<String, String> redactHeaders(Map<String, List<String>> headers) {
    Map<String, String> out = new LinkedHashMap<>();
    headers.forEach(
        (name, values) -> {
          String value = String.join(", ", values);
          if (SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            int space = value.indexOf(' ');
            value = name.equalsIgnoreCase("authorization") && space > 0 ? value.substring(0, space) + " " + MASK : MASK;
          }
          out.put(name, redact(value));
        });
    return out;
  }

  /** The calls about one exchange, one after another (WireListener's contract). */
  private final class OneExchange implements WireListener {
    private String method = "GET";
    private String path = "/";
    private Map<String, String> requestHeaders = Map.of();
    private String requestBody = "";
    private int status;
    private Map<String, String> headers = Map.of();
    private @Nullable Duration headersAt;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final List<Recording.Segment> segments = new ArrayList<>();
    private boolean ended;

    @Override
    public synchronized void onRequest(String method, URI uri, Map<String, List<String>> headers, String body) {
      this.method = method;
      this.path = redactPath(uri);
      this.requestHeaders = redactHeaders(headers);
      this.requestBody = redact(body);
    }

    @Override
    public synchronized void onResponse(URI uri, int status, Map<String, List<String>> headers, Duration sinceRequest) {
      this.status = status;
      Map<String, List<String>> kept = new LinkedHashMap<>();
      headers.forEach((name, values) -> {
        if (!name.startsWith(":")) { // HTTP/2 pseudo-headers from the JDK client
          kept.put(name, values);
        }
      });
      this.headers = redactHeaders(kept);
      this.headersAt = sinceRequest;
    }

    @Override
    public synchronized void onBody(URI uri, ByteBuffer bytes, Duration sinceRequest) {
      byte[] piece = new byte[bytes.remaining()];
      bytes.get(piece);
      body.write(piece, 0, piece.length);
      segments.add(new Recording.Segment(sinceRequest, piece.length));
    }

    @Override
    public synchronized void onEnd(URI uri, Duration sinceRequest, @Nullable Throwable failure) {
      if (ended) {
        return;
      }
      ended = true;
      if (status == 0) {
        return; // no response at all (connection refused, cancelled before the head): nothing to replay
      }
      recordings.add(
          new Recording(
              "",
              "",
              method,
              path,
              requestHeaders,
              Recording.requestBodyNode(requestBody),
              status,
              headers,
              body.toByteArray(),
              segments,
              headersAt,
              failure != null && status / 100 == 2));
    }
  }
}
