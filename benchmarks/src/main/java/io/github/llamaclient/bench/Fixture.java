package io.github.llamaclient.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One recording of {@code testdata/transcripts}, prepared for replay: the recorded status, headers
 * and body, the body cut at the recorded HTTP chunk boundaries (pre-framed for chunked transfer
 * encoding), and for each chunk how many non-empty content deltas end in it (so the server can
 * stamp the write time of each delta the consumer will see).
 */
public final class Fixture {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  final String scenario;
  final int status;
  final Map<String, String> headers;
  final byte[] body;
  /** The response head, status line to blank line. */
  final byte[] head;
  /** Each recorded chunk framed as {@code hex CRLF bytes CRLF}. */
  final byte[][] framedSegments;
  /** The whole framed body including the last chunk {@code 0 CRLF CRLF}. */
  final byte[] framedBody;
  /** Content deltas (non-empty {@code delta.content}) that end in each segment. */
  final int[] contentEndingIn;
  /** Number of SSE events ({@code data:} lines, including {@code [DONE]}). */
  final int events;
  /** Number of non-empty content deltas. */
  final int contentDeltas;

  private Fixture(String scenario, JsonNode root) {
    this.scenario = scenario;
    JsonNode response = root.get("response");
    this.status = response.get("status").asInt();
    Map<String, String> h = new LinkedHashMap<>();
    response.get("headers").properties().forEach(e -> h.put(e.getKey(), e.getValue().asText()));
    this.headers = h;
    this.body = response.get("body").asText().getBytes(StandardCharsets.UTF_8);
    List<Integer> sizes = new ArrayList<>();
    for (JsonNode s : response.path("segments")) {
      sizes.add(s.get("bytes").asInt());
    }
    if (sizes.isEmpty()) {
      sizes.add(body.length);
    }
    StringBuilder hd = new StringBuilder("HTTP/1.1 ").append(status).append(status == 200 ? " OK" : " Error").append("\r\n");
    h.forEach((k, v) -> hd.append(k).append(": ").append(v).append("\r\n"));
    hd.append("\r\n");
    this.head = hd.toString().getBytes(StandardCharsets.ISO_8859_1);

    // event ends and their content
    List<Integer> contentEnds = new ArrayList<>();
    int ev = 0;
    String text = new String(body, StandardCharsets.UTF_8);
    int pos = 0;
    int bytePos = 0;
    while (true) {
      int end = text.indexOf("\n\n", pos);
      if (end < 0) {
        break;
      }
      String event = text.substring(pos, end);
      int eventBytes = event.getBytes(StandardCharsets.UTF_8).length + 2;
      bytePos += eventBytes;
      pos = end + 2;
      if (!event.startsWith("data: ")) {
        continue;
      }
      ev++;
      String data = event.substring(6);
      if (data.equals("[DONE]")) {
        continue;
      }
      try {
        JsonNode c = MAPPER.readTree(data).path("choices").path(0).path("delta").path("content");
        if (c.isTextual() && !c.asText().isEmpty()) {
          contentEnds.add(bytePos);
        }
      } catch (IOException e) {
        // an error event or a deliberately broken one: no content
      }
    }
    this.events = ev;
    this.contentDeltas = contentEnds.size();
    this.framedSegments = new byte[sizes.size()][];
    this.contentEndingIn = new int[sizes.size()];
    ByteArrayOutputStream all = new ByteArrayOutputStream(body.length + sizes.size() * 8 + 8);
    int off = 0;
    int ci = 0;
    for (int i = 0; i < sizes.size(); i++) {
      int n = sizes.get(i);
      ByteArrayOutputStream seg = new ByteArrayOutputStream(n + 10);
      byte[] hex = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
      seg.write(hex, 0, hex.length);
      seg.write(body, off, n);
      seg.write('\r');
      seg.write('\n');
      off += n;
      while (ci < contentEnds.size() && contentEnds.get(ci) <= off) {
        contentEndingIn[i]++;
        ci++;
      }
      framedSegments[i] = seg.toByteArray();
      all.write(framedSegments[i], 0, framedSegments[i].length);
    }
    byte[] last = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    all.write(last, 0, last.length);
    this.framedBody = all.toByteArray();
  }

  /** Loads {@code <scenario>.json} from {@code testdata/transcripts} (or the jar's copy). */
  public static Fixture load(String scenario) {
    try {
      return new Fixture(scenario, MAPPER.readTree(read(scenario)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The raw body bytes of a recording. */
  public static byte[] bodyOf(String scenario) {
    return load(scenario).body;
  }

  private static byte[] read(String scenario) throws IOException {
    String prop = System.getProperty("llama.transcripts");
    List<Path> candidates = new ArrayList<>();
    if (prop != null) {
      candidates.add(Path.of(prop));
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      candidates.add(d.resolve("testdata/transcripts"));
    }
    for (Path dir : candidates) {
      Path f = dir.resolve(scenario + ".json");
      if (Files.isRegularFile(f)) {
        return Files.readAllBytes(f);
      }
    }
    try (InputStream in = Fixture.class.getResourceAsStream("/transcripts/" + scenario + ".json")) {
      if (in == null) {
        throw new IOException("recording " + scenario + " not found in testdata/transcripts or the jar");
      }
      return in.readAllBytes();
    }
  }

  @Override
  public String toString() {
    return scenario + " (" + events + " events, " + contentDeltas + " content deltas, " + body.length + " bytes, "
        + framedSegments.length + " chunks)";
  }
}
