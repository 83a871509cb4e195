package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.LlamaProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HeadReader} over bytes: RFC 9112 sections 4 and 5, strictly, in pieces of every size. */
class HeadReaderTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Reads a head fed whole; the index returned must be the end of the input. */
  static ResponseHead read(String head) {
    byte[] b = bytes(head);
    HeadReader r = new HeadReader();
    assertThat(r.feed(b, 0, b.length)).as("the end of the head").isEqualTo(b.length);
    return r.head();
  }

  /** What reading the input yields, fed in the given pieces: the head, or the exception's message. */
  private static String outcome(byte[] input, int... cuts) {
    HeadReader r = new HeadReader();
    int from = 0;
    try {
      for (int i = 0; i <= cuts.length; i++) {
        int to = i < cuts.length ? cuts[i] : input.length;
        int end = r.feed(input, from, to);
        if (end >= 0) {
          ResponseHead h = r.head();
          return h + " ends at " + end;
        }
        from = to;
      }
      return "incomplete";
    } catch (LlamaProtocolException e) {
      return e.getMessage();
    }
  }

  static Stream<Arguments> statusLines() {
    return Stream.of(
        Arguments.of("HTTP/1.1 200 OK", 1, 200, "OK"),
        Arguments.of("HTTP/1.0 404 Not Found", 0, 404, "Not Found"),
        Arguments.of("HTTP/1.1 200", 1, 200, ""),
        Arguments.of("HTTP/1.1 200 ", 1, 200, ""),
        Arguments.of("HTTP/1.1 599 \tx y\u00e9", 1, 599, "\tx y\u00e9"),
        Arguments.of("HTTP/1.9 307 Temporary Redirect", 9, 307, "Temporary Redirect"));
  }

  @ParameterizedTest
  @MethodSource("statusLines")
  void aStrictStatusLineIsRead(String line, int minor, int status, String reason) {
    ResponseHead h = read(line + "\r\n\r\n");
    assertThat(h.minorVersion()).isEqualTo(minor);
    assertThat(h.status()).isEqualTo(status);
    assertThat(h.reason()).isEqualTo(reason);
    assertThat(h.headers()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "HTTP/1.1 -12 OK", "HTTP/1.1 099 Odd", "HTTP/1.1 2000 OK", "HTTP/1.1 +200 OK", "HTTP/1.1 600 Nope",
        "HTTP/1.1 20 OK", "HTTP/1.1 20", "HTTP/1.1 2OO OK", "HTTP/1.1  200 OK", "HTTP/1.1 200OK", "HTTP/1.1 200\tOK",
        "HTTP/1.10 200 OK", "HTTP/1.x 200 OK", "HTTP/2 200 OK", "http/1.1 200 OK", "HTTP/1.1 200 O\u0000K",
        "HTTP/1.1 200 O\u007fK", "", " HTTP/1.1 200 OK", "SSH-2.0-OpenSSH_9.6"
      })
  void anythingElseIsNotAStatusLine(String line) {
    assertThatThrownBy(() -> read(line + "\r\n\r\n"))
        .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine()).isEqualTo(line))
        .hasMessageStartingWith("not an HTTP/1.x status line");
  }

  @Test
  void fieldNamesAreLowerCaseAndLookedUpIgnoringCaseValuesWithoutSurroundingSpaces() {
    ResponseHead h =
        read("HTTP/1.1 200 OK\r\nContent-Type:text/event-stream\r\nX-A: \t 1 \t\r\nx-a: 2\r\nX-Empty:\r\n"
            + "Weird!#$%&'*+-.^_`|~Name: v: w\r\n\r\n");
    assertThat(h.headers().keySet()).containsExactly("content-type", "weird!#$%&'*+-.^_`|~name", "x-a", "x-empty");
    assertThat(h.first("Content-TYPE")).isEqualTo("text/event-stream");
    assertThat(h.all("X-A")).containsExactly("1", "2");
    assertThat(h.first("x-empty")).isEmpty();
    assertThat(h.first("weird!#$%&'*+-.^_`|~name")).isEqualTo("v: w");
    assertThat(h.first("absent")).isEmpty();
    assertThat(h.all("absent")).isEmpty();
  }

  @Test
  void obsTextInAValueIsKeptAsLatin1() {
    assertThat(read("HTTP/1.1 200 OK\r\nX-A: caf\u00e9\r\n\r\n").first("x-a")).isEqualTo("caf\u00e9");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bad Name: v", "X-A : v", "X(A): v", ": no name", "NoColon", "X-A: a\u0001b", "X-A: a\u007fb", "X-A: a\u0000"})
  void aMalformedFieldLineIsRejected(String field) {
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\n" + field + "\r\n\r\n"))
        .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine()).isEqualTo(field))
        .hasMessageMatching("(malformed response header|a control character in a response header): .*");
  }

  @ParameterizedTest
  @ValueSource(strings = {" continued: yes", "\tcontinued: yes", " continued"})
  void aFoldedLineIsRejected(String fold) {
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nX-A: 1\r\n" + fold + "\r\n\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageStartingWith("a folded response header (obs-fold)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "HTTP/1.1 200 OK\rX-A: b\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\r\n"})
  void aBareCrIsRejected(String head) {
    assertThatThrownBy(() -> read(head)).isInstanceOf(LlamaProtocolException.class).hasMessageStartingWith("a bare CR");
  }

  @Test
  void linesMayEndWithABareLf() {
    ResponseHead h = read("HTTP/1.1 200 OK\nX-A: 1\r\nX-B: 2\n\n");
    assertThat(h.status()).isEqualTo(200);
    assertThat(h.headers()).isEqualTo(Map.of("x-a", List.of("1"), "x-b", List.of("2")));
  }

  @Test
  void interimResponsesAreSkipped() {
    ResponseHead h =
        read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-Interim: yes\r\n\r\n"
            + "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nX-Final: yes\r\n\r\n");
    assertThat(h.status()).isEqualTo(200);
    assertThat(h.headers()).containsOnlyKeys("x-final");
  }

  @Test
  void aSwitchOfProtocolsIsRejected() {
    assertThatThrownBy(() -> read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageContaining("switched protocols");
  }

  @Test
  void theBodyIsNotConsumed() {
    byte[] b = bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    HeadReader r = new HeadReader();
    assertThat(r.feed(b, 0, b.length)).isEqualTo(b.length - 5);
    assertThatThrownBy(() -> r.feed(b, 0, b.length)).isInstanceOf(IllegalStateException.class);
    r.reset();
    assertThat(r.feed(b, 0, b.length)).as("after a reset, the next head").isEqualTo(b.length - 5);
  }

  @Test
  void anIncompleteHeadConsumesEverythingAndWaits() {
    byte[] b = bytes("HTTP/1.1 200 OK\r\nX-A: 1\r\n");
    HeadReader r = new HeadReader();
    assertThat(r.empty()).isTrue();
    assertThat(r.feed(b, 0, b.length)).isEqualTo(-1);
    assertThat(r.empty()).isFalse();
    assertThatThrownBy(r::head).isInstanceOf(IllegalStateException.class);
  }

  /** A head of {@code bytes} bytes, in lines of at most 200 bytes. */
  private static String headOf(int bytes) {
    StringBuilder s = new StringBuilder("HTTP/1.1 200 OK\r\n");
    int i = 0;
    while (bytes - s.length() - 2 > 200) {
      String line = String.format(java.util.Locale.ROOT, "X-%04d: ", i++);
      s.append(line).append("a".repeat(200 - line.length() - 2)).append("\r\n");
    }
    int left = bytes - s.length() - 2;
    if (left > 0) {
      s.append("X-Last:").append("a".repeat(left - 9)).append("\r\n");
    }
    return s.append("\r\n").toString();
  }

  @Test
  void theHeadMayHaveItsBudgetOfBytesButNotOneMore() {
    String full = headOf(HeadReader.MAX_BYTES);
    assertThat(full).hasSize(HeadReader.MAX_BYTES);
    assertThat(read(full).status()).isEqualTo(200);
    String over = headOf(HeadReader.MAX_BYTES + 1);
    assertThatThrownBy(() -> read(over))
        .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine().length()).isLessThanOrEqualTo(201))
        .hasMessageStartingWith("the response headers are larger than " + HeadReader.MAX_BYTES + " bytes");
  }

  @Test
  void theHeadMayHaveItsBudgetOfLinesButNotOneMore() {
    String fields = "X: y\r\n".repeat(HeadReader.MAX_LINES - 2);
    assertThat(read("HTTP/1.1 200 OK\r\n" + fields + "\r\n").all("x")).hasSize(HeadReader.MAX_LINES - 2);
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\n" + fields + "X: y\r\n\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageStartingWith("the response headers have more than " + HeadReader.MAX_LINES + " lines");
  }

  @Test
  void interimHeadsCountAgainstTheSameBudget() {
    String interim = "HTTP/1.1 100 Continue\r\n\r\n";
    int n = HeadReader.MAX_LINES / 2;
    assertThatThrownBy(() -> read(interim.repeat(n) + "HTTP/1.1 200 OK\r\n\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageContaining("more than " + HeadReader.MAX_LINES + " lines");
  }

  @Test
  void aLongOffendingLineIsTruncated() {
    String line = "HTTP/1.1 2000 " + "x".repeat(5000);
    assertThatThrownBy(() -> read(line + "\r\n\r\n"))
        .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine()).hasSize(201).startsWith("HTTP/1.1 2000 x"));
  }

  static Stream<String> splitInputs() {
    return Stream.of(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nbody",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\nX: y\n\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n");
  }

  /** STYLE.md practice 11: the same outcome wherever the reads split the input, and byte by byte. */
  @ParameterizedTest
  @MethodSource("splitInputs")
  void theOutcomeDoesNotDependOnHowTheReadsSplitTheInput(String input) {
    byte[] b = bytes(input);
    String whole = outcome(b);
    assertThat(whole).isNotEqualTo("incomplete");
    for (int cut = 0; cut <= b.length; cut++) {
      assertThat(outcome(b, cut)).as("cut at %d", cut).isEqualTo(whole);
    }
    int[] everyByte = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      everyByte[i] = i + 1;
    }
    assertThat(outcome(b, everyByte)).as("byte by byte").isEqualTo(whole);
  }
}
