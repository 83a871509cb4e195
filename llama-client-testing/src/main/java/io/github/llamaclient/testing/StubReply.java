package io.github.llamaclient.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link LlamaServerStub} answers to one request: a status, headers, and a body written
 * piece by piece on a timeline, then ended, cut or held open. Build one from a {@link Recording}
 * ({@link #of(Recording)}), a script ({@link #chatStream()}), or llama-server's error replies
 * ({@link #error}, {@link #loading()}, {@link #notSupported(String)}); then choose its {@link
 * #paced(Pacing) pacing} and add faults:
 *
 * <ul>
 *   <li>{@link #slowFirstToken(Duration)}: nothing, not even the headers, until the delay has
 *       passed (llama-server sends its headers with the first token);
 *   <li>{@link #stallAfter(int)}: after so many SSE events, silence with the connection open;
 *   <li>{@link #cutAfter(int)}: after so many events, half of the next one, then the connection
 *       closes;
 *   <li>{@link #errorEventAfter(int, int, String, String)}: after so many events, llama-server's
 *       error event, and the body ends without {@code [DONE]}.
 * </ul>
 *
 * <p>Immutable: each method returns a new reply, so one reply can be enqueued many times.
 */
public final class StubReply {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  /** How the response ends after its last piece. */
  enum End {
    /** The body ends properly (the last chunk of a chunked body), then the connection closes. */
    COMPLETE,
    /** The connection closes without ending the body. */
    CUT,
    /** Nothing more is written; the connection stays open until the client or the stub closes it. */
    STALL
  }

  /** One piece of the body: its size, and its time on the unpaced timeline. */
  record Piece(long atNanos, int bytes) {}

  final int status;
  final Map<String, String> headers;
  final boolean chunked;
  final byte[] body;
  final List<Piece> pieces;
  final long headersAtNanos;
  final Pacing pacing;
  final long firstTokenDelayNanos;
  final End end;

  private StubReply(
      int status,
      Map<String, String> headers,
      boolean chunked,
      byte[] body,
      List<Piece> pieces,
      long headersAtNanos,
      Pacing pacing,
      long firstTokenDelayNanos,
      End end) {
    this.status = status;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.chunked = chunked;
    this.body = body;
    this.pieces = List.copyOf(pieces);
    this.headersAtNanos = headersAtNanos;
    this.pacing = pacing;
    this.firstTokenDelayNanos = firstTokenDelayNanos;
    this.end = end;
  }

  /** A reply built from parts: chunked if it is an event stream, else with a Content-Length. */
  static StubReply built(int status, Map<String, String> headers, byte[] body, List<Piece> pieces) {
    String type = headers.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase("Content-Type"))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse("");
    boolean chunked = type.startsWith("text/event-stream");
    return new StubReply(status, headers, chunked, body, pieces, 0, Pacing.fastest(), 0, End.COMPLETE);
  }

  /**
   * Replays a recording: its status, headers and body, cut into its recorded pieces (at their
   * recorded times with {@link Pacing#asRecorded()}); a truncated recording's connection is cut
   * after its last piece.
   *
   * @param recording the recording
   * @return the reply
   */
  public static StubReply of(Recording recording) {
    Map<String, String> headers = new LinkedHashMap<>();
    boolean chunked = recording.truncated();
    for (Map.Entry<String, String> e : recording.headers().entrySet()) {
      if (e.getKey().equalsIgnoreCase("Transfer-Encoding")) {
        chunked = true;
      } else if (!e.getKey().equalsIgnoreCase("Content-Length")) {
        headers.put(e.getKey(), e.getValue());
      }
    }
    List<Piece> pieces = new ArrayList<>();
    for (Recording.Segment s : recording.segments()) {
      if (s.bytes() > 0) {
        pieces.add(new Piece(s.at().toNanos(), s.bytes()));
      }
    }
    Duration headersAt = recording.headersAt();
    long head = headersAt != null ? headersAt.toNanos() : pieces.isEmpty() ? 0 : pieces.get(0).atNanos();
    return new StubReply(
        recording.status(),
        headers,
        chunked,
        recording.body(),
        pieces,
        head,
        Pacing.fastest(),
        0,
        recording.truncated() ? End.CUT : End.COMPLETE);
  }

  /**
   * Starts a scripted {@code /v1/chat/completions} stream in llama-server's chunk shapes.
   *
   * @return the script builder
   */
  public static ChatStreamScript chatStream() {
    return new ChatStreamScript();
  }

  /**
   * A small JSON reply with a Content-Length, as llama-server sends for {@code /health}, {@code
   * /props} or a non-streamed chat.
   *
   * @param status the HTTP status
   * @param json the body
   * @return the reply
   */
  public static StubReply json(int status, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return built(status, serverHeaders("application/json; charset=utf-8"), body, List.of(new Piece(0, body.length)));
  }

  /**
   * llama-server's error reply: the status and {@code {"error":{"code":…,"message":…,"type":…}}}.
   *
   * @param status the HTTP status, such as 400
   * @param type the error type, such as {@code invalid_request_error} or {@code
   *     exceed_context_size_error}
   * @param message the message
   * @return the reply
   */
  public static StubReply error(int status, String type, String message) {
    return json(status, errorJson(status, type, message).toString());
  }

  /**
   * The 503 llama-server answers on every path while the model loads.
   *
   * @return the reply
   */
  public static StubReply loading() {
    ObjectNode root = MAPPER.createObjectNode();
    root.putObject("error").put("message", "Loading model").put("type", "unavailable_error").put("code", 503);
    return json(503, root.toString());
  }

  /**
   * The 501 of an endpoint the server was started without ({@code --metrics}, {@code --slots},
   * {@code --embeddings}, ...).
   *
   * @param message the message, such as "This server does not support metrics endpoint. Start it
   *     with `--metrics`"
   * @return the reply
   */
  public static StubReply notSupported(String message) {
    return error(501, "not_supported_error", message);
  }

  /**
   * This reply at another pace.
   *
   * @param pacing the pacing
   * @return the new reply
   */
  public StubReply paced(Pacing pacing) {
    return new StubReply(
        status, headers, chunked, body, pieces, headersAtNanos, Objects.requireNonNull(pacing, "pacing"), firstTokenDelayNanos, end);
  }

  /**
   * This reply with one more header (replacing one of the same name).
   *
   * @param name the name
   * @param value the value
   * @return the new reply
   */
  public StubReply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.keySet().removeIf(k -> k.equalsIgnoreCase(name));
    h.put(name, value);
    return new StubReply(status, h, chunked, body, pieces, headersAtNanos, pacing, firstTokenDelayNanos, end);
  }

  /**
   * Slow first token: the headers and everything after them come {@code delay} later.
   *
   * @param delay the delay, not negative
   * @return the new reply
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public StubReply slowFirstToken(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
    return new StubReply(status, headers, chunked, body, pieces, headersAtNanos, pacing, delay.toNanos(), end);
  }

  /**
   * A stall: the first {@code events} SSE events are written, then nothing, with the connection
   * open until the client closes it (its idle timeout) or the stub closes.
   *
   * @param events how many events to write first
   * @return the new reply
   * @throws IllegalArgumentException if the body has fewer events
   */
  public StubReply stallAfter(int events) {
    return truncated(eventEnd(events, "stallAfter"), End.STALL);
  }

  /**
   * A cut mid-event: the first {@code events} SSE events, then the first half of the next one,
   * then the connection closes without ending the body.
   *
   * @param events how many whole events to write first
   * @return the new reply
   * @throws IllegalArgumentException if the body has no event after those
   */
  public StubReply cutAfter(int events) {
    int start = eventEnd(events, "cutAfter");
    int next = eventEnd(events + 1, "cutAfter");
    return truncated(start + Math.max(1, (next - start) / 2), End.CUT);
  }

  /**
   * An error after streaming began: the first {@code events} SSE events, then llama-server's one
   * error event {@code data: {"error":{"code":…,"message":…,"type":…}}}, and the body ends without
   * {@code [DONE]}; the status stays 200.
   *
   * @param events how many events to write first
   * @param code the error code, such as 500
   * @param type the error type, such as {@code server_error}
   * @param message the message, such as "Compute error."
   * @return the new reply
   * @throws IllegalArgumentException if the body has fewer events
   */
  public StubReply errorEventAfter(int events, int code, String type, String message) {
    int cut = eventEnd(events, "errorEventAfter");
    StubReply head = truncated(cut, End.COMPLETE);
    byte[] event = ("data: " + errorJson(code, type, message) + "\n\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(head.body, head.body.length + event.length);
    System.arraycopy(event, 0, all, head.body.length, event.length);
    List<Piece> p = new ArrayList<>(head.pieces);
    long at = pieces.size() > head.pieces.size() ? pieces.get(head.pieces.size()).atNanos() : lastTime(head.pieces);
    p.add(new Piece(at, event.length));
    return new StubReply(status, headers, chunked, all, p, headersAtNanos, pacing, firstTokenDelayNanos, End.COMPLETE);
  }

  private StubReply truncated(int bytes, End how) {
    List<Piece> kept = new ArrayList<>();
    int offset = 0;
    for (Piece p : pieces) {
      if (offset >= bytes) {
        break;
      }
      int take = Math.min(p.bytes(), bytes - offset);
      kept.add(new Piece(p.atNanos(), take));
      offset += take;
    }
    return new StubReply(
        status, headers, chunked, Arrays.copyOf(body, bytes), kept, headersAtNanos, pacing, firstTokenDelayNanos, how);
  }

  /** The offset just after the n-th SSE event (0 for n = 0). */
  private int eventEnd(int n, String what) {
    if (!chunked) {
      throw new IllegalStateException(what + " needs a streamed (chunked) reply, this one has status " + status);
    }
    if (n < 0) {
      throw new IllegalArgumentException(what + ": events must not be negative, was " + n);
    }
    int offset = 0;
    for (int i = 0; i < n; i++) {
      int at = indexOf(body, EVENT_END, offset);
      if (at < 0) {
        throw new IllegalArgumentException(what + "(" + n + "): the body has only " + i + " events");
      }
      offset = at + EVENT_END.length;
    }
    if (n > 0 || offset < body.length) {
      return offset;
    }
    throw new IllegalArgumentException(what + "(" + n + "): the body is empty");
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static long lastTime(List<Piece> pieces) {
    return pieces.isEmpty() ? 0 : pieces.get(pieces.size() - 1).atNanos();
  }

  static ObjectNode errorJson(int code, String type, String message) {
    ObjectNode root = MAPPER.createObjectNode();
    root.putObject("error").put("code", code).put("message", message).put("type", type);
    return root;
  }

  static Map<String, String> serverHeaders(String contentType) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", contentType);
    h.put("Server", "llama.cpp");
    h.put("Access-Control-Allow-Origin", "");
    return h;
  }

  /** The HTTP status. */
  int status() {
    return status;
  }

  @Override
  public String toString() {
    return "StubReply[" + status + ", " + body.length + " bytes in " + pieces.size() + " pieces, " + pacing
        + (firstTokenDelayNanos > 0 ? ", first token after " + Duration.ofNanos(firstTokenDelayNanos) : "")
        + (end == End.COMPLETE ? "" : ", " + end.name().toLowerCase(java.util.Locale.ROOT)) + "]";
  }
}
