package io.github.llamaclient.internal.sse;

import io.github.llamaclient.*;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SSE layer alone: bytes in, event data out, over chunk sizes x line endings, with multi-byte
 * UTF-8 split across reads, comments, unknown fields, empty lines, multi-line data and a missing
 * final newline.
 */
class SseParserTest {

  /** Collects dispatched events and raw lines. */
  static final class Collector implements SseParser.Listener {
    final List<String> events = new ArrayList<>();
    final List<String> lines = new ArrayList<>();

    @Override
    public void onData(byte[] buf, int off, int len) {
      events.add(new String(buf, off, len, StandardCharsets.UTF_8));
    }

    @Override
    public void onLine(byte[] buf, int off, int len) {
      lines.add(new String(buf, off, len, StandardCharsets.UTF_8));
    }
  }

  enum Ending {
    LF("\n"),
    CRLF("\r\n"),
    CR("\r");

    final String s;

    Ending(String s) {
      this.s = s;
    }
  }

  static final int WHOLE = Integer.MAX_VALUE;

  /** The input, as lines (joined with the ending under test), and the events it must give. */
  static final List<String> LINES =
      List.of(
          ": a comment line, ignored",
          "data: {\"content\":\"caf\u00e9\"}", // 2-byte UTF-8
          "",
          "event: message",
          "id: 17",
          "retry: 3000",
          "unknown-field: ignored too",
          "data: \u20ac and \u4e2d\u6587", // 3-byte UTF-8
          "",
          "",
          "", // extra empty lines dispatch nothing
          "data: \ud83d\ude00\ud83e\udd99 llama", // 4-byte UTF-8 (surrogate pairs)
          ": comment between the lines of one event",
          "data:second line, no space after the colon",
          "data:  two spaces keep one",
          "",
          "data",
          "",
          "data: [DONE]",
          "",
          "data: no final newline, finished by finish()");

  static final List<String> EVENTS =
      List.of(
          "{\"content\":\"caf\u00e9\"}",
          "\u20ac and \u4e2d\u6587",
          "\ud83d\ude00\ud83e\udd99 llama\nsecond line, no space after the colon\n two spaces keep one",
          "",
          "[DONE]",
          "no final newline, finished by finish()");

  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (int size : new int[] {1, 2, 3, 7, 200, WHOLE}) {
      for (Ending e : Ending.values()) {
        out.add(Arguments.of(size, e));
      }
    }
    return out.stream();
  }

  static byte[] render(Ending e) {
    return String.join(e.s, LINES).getBytes(StandardCharsets.UTF_8);
  }

  static Collector feed(byte[] input, int size, int maxLineBytes) {
    Collector c = new Collector();
    SseParser p = new SseParser(c, maxLineBytes, true);
    feedInto(p, input, size);
    p.finish();
    return c;
  }

  static void feedInto(SseParser p, byte[] input, int size) {
    for (int off = 0; off < input.length; off += size) {
      int n = Math.min(size, input.length - off);
      // a fresh array per read, with slack around it, as network buffers come
      byte[] read = new byte[n + 6];
      System.arraycopy(input, off, read, 3, n);
      p.feed(read, 3, n);
    }
  }

  @ParameterizedTest(name = "chunks of {0}, {1}")
  @MethodSource("matrix")
  void parsesTheSameEventsHoweverTheBytesAreCut(int size, Ending ending) {
    Collector c = feed(render(ending), size, 1024);
    assertThat(c.events).containsExactlyElementsOf(EVENTS);
    assertThat(c.lines).as("every raw line is traced").containsExactlyElementsOf(LINES);
  }

  @ParameterizedTest(name = "chunks of {0}, {1}")
  @MethodSource("matrix")
  void parsesByteBuffersHeapAndDirect(int size, Ending ending) {
    byte[] input = render(ending);
    for (boolean direct : new boolean[] {false, true}) {
      Collector c = new Collector();
      SseParser p = new SseParser(c, 1024, false);
      for (int off = 0; off < input.length; off += size) {
        int n = Math.min(size, input.length - off);
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n + 4).position(2);
        b.put(input, off, n).flip();
        if (!direct) {
          b.position(2);
        }
        p.feed(b);
        assertThat(b.hasRemaining()).isFalse();
      }
      p.finish();
      assertThat(c.events).containsExactlyElementsOf(EVENTS);
      assertThat(c.lines).as("no lines traced unless asked").isEmpty();
    }
  }

  @Test
  void everySplitOfAMultiByteCharacterGivesTheSameText() {
    byte[] input = "data: \u00e9\u20ac\ud83d\ude00\n\n".getBytes(StandardCharsets.UTF_8);
    for (int cut1 = 0; cut1 <= input.length; cut1++) {
      for (int cut2 = cut1; cut2 <= input.length; cut2++) {
        Collector c = new Collector();
        SseParser p = new SseParser(c, 1024, false);
        p.feed(input, 0, cut1);
        p.feed(input, cut1, cut2 - cut1);
        p.feed(input, cut2, input.length - cut2);
        assertThat(c.events).as("cuts at %d and %d", cut1, cut2).containsExactly("\u00e9\u20ac\ud83d\ude00");
      }
    }
  }

  @Test
  void crAtTheEndOfOneReadAndLfAtTheStartOfTheNextAreOneLineEnd() {
    Collector c = new Collector();
    SseParser p = new SseParser(c, 1024, true);
    p.feed(bytes("data: a\r"), 0, 8);
    p.feed(bytes("\ndata: b\r"), 0, 9);
    p.feed(bytes(""), 0, 0); // an empty read between the CR and the LF
    p.feed(bytes("\n\r"), 0, 2);
    p.feed(bytes("\n"), 0, 1);
    p.finish();
    // one event "a\nb": had the LF after a CR counted as a line end of its own, "a" would have
    // been dispatched alone
    assertThat(c.events).containsExactly("a\nb");
    assertThat(c.lines).containsExactly("data: a", "data: b", "");
  }

  @Test
  void twoCrsAreTwoLineEnds() {
    Collector c = feed(bytes("data: a\r\rdata: b\r\r"), 1, 1024);
    assertThat(c.events).containsExactly("a", "b");
  }

  @Test
  void finishDispatchesAnOpenEventOnlyOnce() {
    Collector c = new Collector();
    SseParser p = new SseParser(c, 1024, false);
    p.feed(bytes("data: a\n"), 0, 8);
    assertThat(p.hasPending()).isTrue();
    p.finish();
    p.finish();
    assertThat(c.events).containsExactly("a");
    assertThat(p.hasPending()).isFalse();
  }

  @Test
  void nothingIsDispatchedForCommentsAndUnknownFieldsAlone() {
    Collector c = feed(bytes(": ping\n\nevent: x\nid: 1\nretry: 10\n\n\n"), 3, 1024);
    assertThat(c.events).isEmpty();
  }

  @ParameterizedTest(name = "chunks of {0}")
  @MethodSource("sizes")
  void anOverLongLineFailsWithTheLineTruncated(int size) {
    String line = "data: " + "x".repeat(3000);
    byte[] input = bytes(line + "\n\n");
    assertThatThrownBy(() -> feed(input, size, 1024))
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.getMessage()).contains("1024");
              assertThat(e.offendingLine()).startsWith("data: xxxx").hasSizeLessThanOrEqualTo(201);
              assertThat(e.getMessage()).contains(e.offendingLine());
            });
  }

  @ParameterizedTest(name = "chunks of {0}")
  @MethodSource("sizes")
  void anOverLongLineWithoutLineEndFailsBeforeTheEnd(int size) {
    // a server that sends one endless line cannot make the client buffer it all
    Collector c = new Collector();
    SseParser p = new SseParser(c, 1024, false);
    byte[] input = bytes("data: " + "y".repeat(5000));
    assertThatThrownBy(() -> feedInto(p, input, size))
        .isInstanceOfSatisfying(
            LlamaProtocolException.class, e -> assertThat(e.offendingLine()).startsWith("data: yyy"));
  }

  @Test
  void anEventWhoseDataLinesAddUpPastTheLimitFails() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      sb.append("data: ").append("z".repeat(100)).append('\n');
    }
    sb.append('\n');
    assertThatThrownBy(() -> feed(bytes(sb.toString()), 200, 1024))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageContaining("1024");
  }

  @Test
  void aLineOfExactlyTheLimitPasses() {
    String value = "v".repeat(1024 - "data: ".length());
    Collector c = feed(bytes("data: " + value + "\n\n"), 7, 1024);
    assertThat(c.events).containsExactly(value);
  }

  static Stream<Integer> sizes() {
    return Stream.of(1, 2, 3, 7, 200, WHOLE);
  }

  @Test
  void manyEventsInOneRead() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String d = "{\"i\":" + i + "}";
      expected.add(d);
      all.writeBytes(bytes("data: " + d + "\n\n"));
    }
    Collector c = feed(all.toByteArray(), WHOLE, 1024);
    assertThat(c.events).containsExactlyElementsOf(expected);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
