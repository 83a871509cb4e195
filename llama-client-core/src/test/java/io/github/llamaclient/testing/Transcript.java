package io.github.llamaclient.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.SocketEffect;
import okio.BufferedSink;

/**
 * One recorded llama-server exchange from {@code testdata/transcripts} (copied byte for byte from
 * {@code ../shared/llama-server/transcripts}), and the {@link MockResponse} that replays it.
 */
public final class Transcript {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** How the body is cut into HTTP chunks when replayed. */
  public enum Cut {
    /** The recorded segments, in their sizes. */
    RECORDED,
    /** One byte per chunk. */
    ONE_BYTE,
    /** The whole body in one chunk. */
    WHOLE
  }

  /** One recorded HTTP chunk: when it arrived and how many bytes it held. */
  public record Segment(double atMs, int bytes) {}

  private final String scenario;
  private final JsonNode root;
  private final byte[] body;
  private final List<Segment> segments;

  private Transcript(String scenario, JsonNode root) {
    this.scenario = scenario;
    this.root = root;
    JsonNode response = root.get("response");
    String enc = response.path("body_encoding").asText("utf-8");
    String text = response.get("body").asText();
    this.body =
        "base64".equals(enc)
            ? java.util.Base64.getDecoder().decode(text)
            : text.getBytes(StandardCharsets.UTF_8);
    List<Segment> segs = new ArrayList<>();
    // Synthetic recordings (chat-stream-error-mid-stream) kept the segment sizes of the recording
    // they were built from and balance the sum with a negative last segment; replaying that
    // as is writes past the body. Cut at the same offsets, clamped to the body: a segment
    // never reaches past the end of the body and never goes back.
    int offset = 0;
    for (JsonNode s : response.path("segments")) {
      int end = Math.max(offset, Math.min(body.length, offset + s.get("bytes").asInt()));
      if (end == offset && s.get("bytes").asInt() < 0) {
        continue;
      }
      segs.add(new Segment(s.get("at_ms").asDouble(), end - offset));
      offset = end;
    }
    if (segs.isEmpty()) {
      segs.add(new Segment(0, body.length));
    }
    this.segments = List.copyOf(segs);
    int sum = segs.stream().mapToInt(Segment::bytes).sum();
    if (sum != body.length) {
      throw new IllegalStateException(scenario + ": segments add up to " + sum + ", body has " + body.length);
    }
  }

  /** The folder with the recordings: {@code testdata/transcripts} at the top of the repository. */
  public static Path directory() {
    String prop = System.getProperty("llama.transcripts");
    if (prop != null) {
      return Path.of(prop);
    }
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path candidate = d.resolve("testdata/transcripts");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("testdata/transcripts not found above " + dir);
  }

  /** Loads a recording by scenario name, such as {@code chat-stream-basic}. */
  public static Transcript load(String scenario) {
    Path file = directory().resolve(scenario + ".json");
    try {
      return new Transcript(scenario, MAPPER.readTree(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Every scenario name. */
  public static List<String> all() {
    try (var files = Files.list(directory())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json"))
          .map(n -> n.substring(0, n.length() - 5))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String scenario() {
    return scenario;
  }

  public String note() {
    return root.path("note").asText("");
  }

  public String method() {
    return root.get("request").get("method").asText();
  }

  public String path() {
    return root.get("request").get("path").asText();
  }

  /** The recorded request body: a JSON tree, a text node for a deliberately broken body, or null. */
  public JsonNode requestBody() {
    return root.get("request").get("body");
  }

  public Map<String, String> requestHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    root.get("request").path("headers").properties().forEach(e -> h.put(e.getKey(), e.getValue().asText()));
    return h;
  }

  public int status() {
    return root.get("response").get("status").asInt();
  }

  public Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    root.get("response").path("headers").properties().forEach(e -> h.put(e.getKey(), e.getValue().asText()));
    return h;
  }

  public byte[] body() {
    return body.clone();
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  public List<Segment> segments() {
    return segments;
  }

  public boolean truncated() {
    return root.get("response").path("truncated").asBoolean(false);
  }

  /** The data payloads of the SSE events in the body, in order. */
  public List<String> dataLines() {
    List<String> out = new ArrayList<>();
    for (String line : bodyText().split("\n")) {
      if (line.startsWith("data: ")) {
        out.add(line.substring(6));
      }
    }
    return out;
  }

  /** The answer text the body streams: the joined {@code delta.content} of choice 0. */
  public String expectedContent() {
    StringBuilder sb = new StringBuilder();
    for (JsonNode chunk : chunks()) {
      JsonNode c = chunk.path("choices").path(0).path("delta").path("content");
      if (c.isTextual()) {
        sb.append(c.asText());
      }
      JsonNode native_ = chunk.path("content");
      if (native_.isTextual()) {
        sb.append(native_.asText());
      }
      JsonNode text = chunk.path("choices").path(0).path("text");
      if (text.isTextual()) {
        sb.append(text.asText());
      }
    }
    return sb.toString();
  }

  /** The JSON chunks of the body ({@code [DONE]} left out). */
  public List<JsonNode> chunks() {
    List<JsonNode> out = new ArrayList<>();
    for (String d : dataLines()) {
      if (!d.equals("[DONE]")) {
        try {
          out.add(MAPPER.readTree(d));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return out;
  }

  /** The replay, cut as recorded. */
  public MockResponse response() {
    return response(Cut.RECORDED, false);
  }

  /**
   * The replay: recorded status and headers; the body chunked as {@code cut} says; with {@code
   * paced}, each recorded segment waits until its recorded time (capped at 50 ms between two).
   */
  public MockResponse response(Cut cut, boolean paced) {
    MockResponse.Builder b = new MockResponse.Builder().code(status());
    boolean chunked = false;
    for (Map.Entry<String, String> e : headers().entrySet()) {
      if (e.getKey().equalsIgnoreCase("Transfer-Encoding")) {
        chunked = true;
        continue;
      }
      if (e.getKey().equalsIgnoreCase("Content-Length")) {
        continue;
      }
      b.addHeaderLenient(e.getKey(), e.getValue());
    }
    if (!chunked && !truncated()) {
      b.body(new okio.Buffer().write(body));
      return b.build();
    }
    b.addHeader("Transfer-Encoding", "chunked");
    List<Segment> cuts = cuts(cut);
    boolean trunc = truncated();
    b.body(new SegmentedBody(body, cuts, paced, trunc));
    b.removeHeader("Content-Length"); // body() sets it (to -1 here): chunked bodies have none (RFC 9112 section 6.2)
    if (trunc) {
      b.onResponseEnd(new SocketEffect.CloseSocket());
    }
    return b.build();
  }

  private List<Segment> cuts(Cut cut) {
    switch (cut) {
      case ONE_BYTE:
        List<Segment> ones = new ArrayList<>(body.length);
        for (int i = 0; i < body.length; i++) {
          ones.add(new Segment(0, 1));
        }
        return ones;
      case WHOLE:
        return List.of(new Segment(0, body.length));
      default:
        return segments;
    }
  }

  /** Writes chunk frames, flushing after each. */
  private static final class SegmentedBody implements MockResponseBody {
    private final byte[] body;
    private final List<Segment> segments;
    private final boolean paced;
    private final boolean truncated;

    SegmentedBody(byte[] body, List<Segment> segments, boolean paced, boolean truncated) {
      this.body = body;
      this.segments = segments;
      this.paced = paced;
      this.truncated = truncated;
    }

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      int off = 0;
      double last = segments.isEmpty() ? 0 : segments.get(0).atMs();
      Iterator<Segment> it = segments.iterator();
      while (it.hasNext()) {
        Segment s = it.next();
        if (paced && s.atMs() > last) {
          long ms = (long) Math.min(50, s.atMs() - last);
          try {
            Thread.sleep(ms);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          }
          last = s.atMs();
        }
        if (s.bytes() == 0) {
          continue;
        }
        sink.writeUtf8(Integer.toHexString(s.bytes())).writeUtf8("\r\n");
        sink.write(body, off, s.bytes());
        sink.writeUtf8("\r\n");
        sink.flush();
        off += s.bytes();
      }
      if (!truncated) {
        sink.writeUtf8("0\r\n\r\n");
        sink.flush();
      }
    }
  }
}
