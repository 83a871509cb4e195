package io.github.llamaclient.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One recorded HTTP exchange with llama-server: the request, the status and headers, and the body
 * with the time each piece of it arrived. {@link Recorder} makes them, {@link LlamaServerStub}
 * serves them ({@link StubReply#of(Recording)}), and they are saved as one JSON file each.
 *
 * <p>The format, version {@value #VERSION} (the {@code version} field; a file without one is read
 * as version 1, which is the format of the repository's {@code testdata/transcripts}):
 *
 * <pre>{@code
 * {"version": 1, "scenario": "chat-stream-basic", "note": "what it shows",
 *  "request":  {"method": "POST", "path": "/v1/chat/completions", "headers": {...}, "body": {...}},
 *  "response": {"status": 200, "headers": {...}, "headers_at_ms": 9.2,
 *               "body_encoding": "utf-8", "body": "data: {...}\n\n...",
 *               "segments": [{"at_ms": 9.3, "bytes": 262}, ...], "truncated": false}}
 * }</pre>
 *
 * {@code request.body} is the JSON sent (a string where it was not JSON, null for none); {@code
 * response.body} is the body without its transfer framing ({@code base64} where it is not UTF-8);
 * {@code segments} are the pieces in arrival order, milliseconds after the request was sent, their
 * sizes adding up to the body; {@code truncated} says the connection broke before the body ended.
 * A newer version than this library knows is refused.
 *
 * <p>Immutable and thread-safe.
 */
public final class Recording {
  /** The format version this library writes, and the newest it reads. */
  public static final int VERSION = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One piece of the body, as it arrived.
   *
   * @param at when it arrived, after the request was sent
   * @param bytes how many body bytes it held, not negative
   */
  public record Segment(Duration at, int bytes) {
    /**
     * Checks the values.
     *
     * @param at when it arrived, after the request was sent
     * @param bytes how many body bytes it held, not negative
     * @throws IllegalArgumentException if {@code bytes} or {@code at} is negative
     */
    public Segment {
      Objects.requireNonNull(at, "at");
      if (bytes < 0 || at.isNegative()) {
        throw new IllegalArgumentException("a segment needs bytes >= 0 and a time >= 0, was " + bytes + " at " + at);
      }
    }
  }

  private final String scenario;
  private final String note;
  private final String method;
  private final String path;
  private final Map<String, String> requestHeaders;
  private final JsonNode requestBody; // a tree, a text node (not JSON), or a null node
  private final int status;
  private final Map<String, String> headers;
  private final byte[] body;
  private final List<Segment> segments;
  private final @Nullable Duration headersAt;
  private final boolean truncated;

  Recording(
      String scenario,
      String note,
      String method,
      String path,
      Map<String, String> requestHeaders,
      JsonNode requestBody,
      int status,
      Map<String, String> headers,
      byte[] body,
      List<Segment> segments,
      @Nullable Duration headersAt,
      boolean truncated) {
    this.scenario = scenario;
    this.note = note;
    this.method = method;
    this.path = path;
    this.requestHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(requestHeaders));
    this.requestBody = requestBody;
    this.status = status;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.body = body.clone();
    this.segments = List.copyOf(segments);
    this.headersAt = headersAt;
    this.truncated = truncated;
    long sum = segments.stream().mapToLong(Segment::bytes).sum();
    if (sum != body.length) {
      throw new IllegalArgumentException(scenario + ": the segments add up to " + sum + " bytes, the body has " + body.length);
    }
  }

  /**
   * Reads a recording file.
   *
   * @param file the file
   * @return the recording
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a recording, or of a newer version
   */
  public static Recording load(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().replaceFirst("\\.json$", "");
    try {
      return parse(name, Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the recording " + file, e);
    }
  }

  /**
   * Reads a recording from its JSON text.
   *
   * @param json the JSON text
   * @return the recording
   * @throws IllegalArgumentException if it is not a recording, or of a newer version
   */
  public static Recording parse(String json) {
    return parse("", json);
  }

  private static Recording parse(String fallbackName, String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a recording (not JSON): " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("request").isObject() || !root.path("response").isObject()) {
      throw new IllegalArgumentException("not a recording: it needs the objects \"request\" and \"response\"");
    }
    int version = root.path("version").asInt(1);
    if (version > VERSION || version < 1) {
      throw new IllegalArgumentException(
          "recording format version " + version + " is not one this library reads (1 to " + VERSION + ")");
    }
    String scenario = root.path("scenario").asText(fallbackName);
    JsonNode request = root.get("request");
    JsonNode response = root.get("response");
    String encoding = response.path("body_encoding").asText("utf-8");
    String text = response.path("body").asText("");
    byte[] body = "base64".equals(encoding) ? Base64.getDecoder().decode(text) : text.getBytes(StandardCharsets.UTF_8);
    // Each segment takes at most what is left of the body: the two synthetic transcripts kept the
    // sizes of the recording they were cut from and balance the sum with a negative last segment,
    // which is dropped.
    List<Segment> segments = new ArrayList<>();
    int offset = 0;
    for (JsonNode s : response.path("segments")) {
      int take = Math.min(body.length - offset, s.path("bytes").asInt());
      if (take >= 0) {
        segments.add(new Segment(millis(s.path("at_ms").asDouble()), take));
        offset += take;
      }
    }
    if (offset < body.length) {
      Duration last = segments.isEmpty() ? Duration.ZERO : segments.get(segments.size() - 1).at();
      segments.add(new Segment(last, body.length - offset));
    }
    JsonNode headersAt = response.get("headers_at_ms");
    JsonNode requestBody = request.get("body");
    return new Recording(
        scenario,
        root.path("note").asText(""),
        request.path("method").asText("GET"),
        request.path("path").asText("/"),
        strings(request.path("headers")),
        requestBody == null ? MAPPER.nullNode() : requestBody,
        response.path("status").asInt(),
        strings(response.path("headers")),
        body,
        segments,
        headersAt == null || !headersAt.isNumber() ? null : millis(headersAt.asDouble()),
        response.path("truncated").asBoolean(false));
  }

  /**
   * This recording as JSON, in the current format version.
   *
   * @return the JSON text
   */
  public String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", VERSION);
    root.put("scenario", scenario);
    root.put("note", note);
    ObjectNode request = root.putObject("request");
    request.put("method", method);
    request.put("path", path);
    ObjectNode rh = request.putObject("headers");
    requestHeaders.forEach(rh::put);
    request.set("body", requestBody);
    ObjectNode response = root.putObject("response");
    response.put("status", status);
    ObjectNode h = response.putObject("headers");
    headers.forEach(h::put);
    if (headersAt != null) {
      response.put("headers_at_ms", toMillis(headersAt));
    }
    String utf8 = utf8(body);
    response.put("body_encoding", utf8 == null ? "base64" : "utf-8");
    response.put("body", utf8 == null ? Base64.getEncoder().encodeToString(body) : utf8);
    ArrayNode segs = response.putArray("segments");
    for (Segment s : segments) {
      segs.addObject().put("at_ms", toMillis(s.at())).put("bytes", s.bytes());
    }
    response.put("truncated", truncated);
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a recording as JSON", e);
    }
  }

  /**
   * Writes {@link #toJson()} to a file, replacing it.
   *
   * @param file the file
   * @throws UncheckedIOException if it cannot be written
   */
  public void save(Path file) {
    try {
      Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the recording " + file, e);
    }
  }

  /**
   * The same recording under another name.
   *
   * @param scenario the name
   * @param note what it shows
   * @return the renamed recording
   */
  public Recording named(String scenario, String note) {
    return new Recording(
        Objects.requireNonNull(scenario, "scenario"),
        Objects.requireNonNull(note, "note"),
        method,
        path,
        requestHeaders,
        requestBody,
        status,
        headers,
        body,
        segments,
        headersAt,
        truncated);
  }

  /**
   * The name, such as {@code chat-stream-basic}; for a loaded file without one, the file name.
   *
   * @return the name, possibly empty
   */
  public String scenario() {
    return scenario;
  }

  /**
   * What the exchange shows.
   *
   * @return the note, possibly empty
   */
  public String note() {
    return note;
  }

  /**
   * The request method.
   *
   * @return the method, such as {@code POST}
   */
  public String method() {
    return method;
  }

  /**
   * The request path, with its query.
   *
   * @return the path, such as {@code /v1/chat/completions}
   */
  public String path() {
    return path;
  }

  /**
   * The request headers as recorded (secrets redacted by the {@link Recorder}).
   *
   * @return the headers, one value each
   */
  public Map<String, String> requestHeaders() {
    return requestHeaders;
  }

  /**
   * The request body: the JSON text sent, or the raw text where it was not JSON.
   *
   * @return the body, empty for none
   */
  public String requestBody() {
    if (requestBody.isNull() || requestBody.isMissingNode()) {
      return "";
    }
    return requestBody.isTextual() ? requestBody.asText() : requestBody.toString();
  }

  /**
   * The response status.
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * The response headers as recorded, one value each.
   *
   * @return the headers
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * When the response headers arrived, if recorded (older recordings did not).
   *
   * @return the time after the request, or null
   */
  public @Nullable Duration headersAt() {
    return headersAt;
  }

  /**
   * The response body without its transfer framing.
   *
   * @return a copy of the body
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * The response body as UTF-8 text.
   *
   * @return the text
   */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * The pieces of the body in arrival order.
   *
   * @return the segments
   */
  public List<Segment> segments() {
    return segments;
  }

  /**
   * Whether the connection broke before the body ended.
   *
   * @return true for a cut body
   */
  public boolean truncated() {
    return truncated;
  }

  /**
   * The {@code data:} payloads of the body's SSE events, in order ({@code [DONE]} included).
   *
   * @return the payloads, empty for a body that is not an event stream
   */
  public List<String> events() {
    List<String> out = new ArrayList<>();
    for (String line : bodyText().split("\r?\n")) {
      if (line.startsWith("data:")) {
        out.add(line.substring(line.startsWith("data: ") ? 6 : 5));
      }
    }
    return out;
  }

  /**
   * The answer text the body streams: the joined {@code choices[0].delta.content} of a chat stream,
   * {@code content} of {@code /completion}, or {@code choices[0].text} of {@code /v1/completions}.
   * What a consumer that shows the text should have shown.
   *
   * @return the text, empty if none
   */
  public String content() {
    StringBuilder sb = new StringBuilder();
    for (String data : events()) {
      JsonNode chunk;
      try {
        chunk = MAPPER.readTree(data);
      } catch (JsonProcessingException e) {
        continue; // [DONE], or a line cut by a fault
      }
      if (chunk == null) {
        continue;
      }
      JsonNode choice = chunk.path("choices").path(0);
      for (JsonNode c : List.of(choice.path("delta").path("content"), chunk.path("content"), choice.path("text"))) {
        if (c.isTextual()) {
          sb.append(c.asText());
        }
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Recording[" + scenario + ": " + method + " " + path + " -> " + status + ", " + body.length + " bytes in "
        + segments.size() + " segments" + (truncated ? ", truncated" : "") + "]";
  }

  static JsonNode requestBodyNode(String body) {
    if (body.isEmpty()) {
      return MAPPER.nullNode();
    }
    try {
      JsonNode tree = MAPPER.readTree(body);
      return tree == null ? MAPPER.getNodeFactory().textNode(body) : tree;
    } catch (JsonProcessingException e) {
      return MAPPER.getNodeFactory().textNode(body);
    }
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos(Math.max(0, Math.round(ms * 1_000_000)));
  }

  private static double toMillis(Duration d) {
    return d.toNanos() / 1000 / 1000.0; // microsecond precision
  }

  private static @Nullable String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
