package io.github.llamaclient.internal.sse;

import io.github.llamaclient.*;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SSE layer alone: bytes in, event data out, over chunk sizes x line endings, with multi-byte
 * UTF-8 split across reads, comments, unknown fields, empty lines, multi-line data, a leading BOM,
 * and input that ends cleanly, inside an event or inside a line.
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

  /** The input, as lines (each ended with the ending under test), and the events it must give. */
  static final List<String> LINES =
      List.of(
          "data: {\"content\":\"caf\u00e9\"}", // 2-byte UTF-8; first, so a BOM before it would hide it
          "",
          ": a comment line, ignored",
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
          "\ufeffdata: a BOM after the start is part of the field name: an unknown field",
          "data: \ufeff inside data is data",
          "",
          "data: [DONE]",
          "");

  static final List<String> EVENTS =
      List.of(
          "{\"content\":\"caf\u00e9\"}",
          "\u20ac and \u4e2d\u6587",
          "\ud83d\ude00\ud83e\udd99 llama\nsecond line, no space after the colon\n two spaces keep one",
          "",
          "\ufeff inside data is data",
          "[DONE]");

  /** How the input ends after {@link #LINES}. */
  enum End {
    /** After the blank line of the last event. */
    CLEAN(null, false),
    /** Inside an event: its data line ended, its blank line never came. */
    OPEN_EVENT("data: {\"content\":\"Hel", true),
    /** Inside a line: no line end after the last bytes. */
    PARTIAL_LINE("data: {\"content\":\"Hel", false),
    /** Inside a comment line. */
    PARTIAL_COMMENT(": pi", false);

    final @Nullable String line;
    final boolean terminated;

    End(@Nullable String line, boolean terminated) {
      this.line = line;
      this.terminated = terminated;
    }

    String render(Ending e) {
      return line == null ? "" : line + (terminated ? e.s : "");
    }

    /** The lines traced for this end: a line without its end is not a line yet. */
    List<String> traced() {
      List<String> out = new ArrayList<>(LINES);
      if (line != null && terminated) {
        out.add(line);
      }
      return out;
    }
  }

  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (int size : new int[] {1, 2, 3, 7, 200, WHOLE}) {
      for (Ending e : Ending.values()) {
        for (End end : End.values()) {
          for (boolean bom : new boolean[] {false, true}) {
            out.add(Arguments.of(size, e, end, bom));
          }
        }
      }
    }
    return out.stream();
  }

  static byte[] render(Ending e, End end, boolean bom) {
    StringBuilder sb = new StringBuilder(bom ? "\ufeff" : "");
    for (String line : LINES) {
      sb.append(line).append(e.s);
    }
    return sb.append(end.render(e)).toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The events dispatched, the lines traced, and what {@link SseParser#finish()} said. */
  record Fed(List<String> events, List<String> lines, boolean endedInsideEvent) {}

  static Fed feed(byte[] input, int size, int maxLineBytes) {
    Collector c = new Collector();
    SseParser p = new SseParser(c, maxLineBytes, true);
    feedInto(p, input, size);
    boolean inside = p.finish();
    return new Fed(c.events, c.lines, inside);
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

  @ParameterizedTest(name = "chunks of {0}, {1}, end {2}, BOM {3}")
  @MethodSource("matrix")
  void parsesTheSameEventsHoweverTheBytesAreCut(int size, Ending ending, End end, boolean bom) {
    Fed f = feed(render(ending, end, bom), size, 1024);
    assertThat(f.events()).as("no half event is dispatched; a leading BOM is no data").containsExactlyElementsOf(EVENTS);
    assertThat(f.lines()).as("every raw line is traced").containsExactlyElementsOf(end.traced());
    assertThat(f.endedInsideEvent()).as("finish() reports the cut").isEqualTo(end != End.CLEAN);
  }

  @ParameterizedTest(name = "chunks of {0}, {1}, end {2}, BOM {3}")
  @MethodSource("matrix")
  void parsesByteBuffersHeapAndDirect(int size, Ending ending, End end, boolean bom) {
    byte[] input = render(ending, end, bom);
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
      assertThat(p.finish()).isEqualTo(end != End.CLEAN);
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
    Fed f = feed(bytes("data: a\r\rdata: b\r\r"), 1, 1024);
    assertThat(f.events()).containsExactly("a", "b");
  }

  @Test
  void finishDropsAnOpenEventAndSaysSo() {
    Collector c = new Collector();
    SseParser p = new SseParser(c, 1024, false);
    p.feed(bytes("data: a\n\ndata: b\n"), 0, 17);
    assertThat(p.hasPending()).isTrue();
    assertThat(p.finish()).as("ended inside the event of b").isTrue();
    assertThat(c.events).containsExactly("a");
    assertThat(p.hasPending()).isFalse();
    assertThat(p.finish()).as("nothing is left after the first finish()").isFalse();
    assertThat(c.events).containsExactly("a");
  }

  @Test
  void aCrAsTheLastByteEndsTheLineNotTheEvent() {
    Fed open = feed(bytes("data: a\r"), 1, 1024);
    assertThat(open.events()).isEmpty();
    assertThat(open.endedInsideEvent()).isTrue();
    Fed closed = feed(bytes("data: a\r\r"), 1, 1024);
    assertThat(closed.events()).containsExactly("a");
    assertThat(closed.endedInsideEvent()).isFalse();
  }

  @Test
  void commentsAndUnknownFieldsAtTheEndAreNoOpenEvent() {
    // only data makes an event: llama-server's pings and fields without data lose nothing
    assertThat(feed(bytes("data: a\n\n: ping\nevent: x\n"), 2, 1024).endedInsideEvent()).isFalse();
  }

  @Test
  void aLeadingBomIsSkippedWhereverTheReadsCutIt() {
    byte[] input = bytes("\ufeffdata: a\n\n");
    for (int cut1 = 0; cut1 <= 4; cut1++) {
      for (int cut2 = cut1; cut2 <= 4; cut2++) {
        Collector c = new Collector();
        SseParser p = new SseParser(c, 1024, true);
        p.feed(input, 0, cut1);
        p.feed(input, cut1, cut2 - cut1);
        p.feed(input, cut2, input.length - cut2);
        assertThat(p.finish()).isFalse();
        assertThat(c.events).as("cuts at %d and %d", cut1, cut2).containsExactly("a");
        assertThat(c.lines).as("cuts at %d and %d", cut1, cut2).containsExactly("data: a", "");
      }
    }
  }

  @Test
  void onlyOneBomIsSkipped() {
    // the second BOM begins the first line: its field is "\ufeffdata", unknown, so no event
    Fed f = feed(bytes("\ufeff\ufeffdata: a\n\ndata: b\n\n"), 1, 1024);
    assertThat(f.events()).containsExactly("b");
    assertThat(f.lines()).first().isEqualTo("\ufeffdata: a");
  }

  @ParameterizedTest(name = "chunks of {0}")
  @MethodSource("sizes")
  void bytesThatOnlyBeginLikeABomAreKept(int size) {
    // EF BB followed by something else: not a BOM, so the two bytes are the start of the first line
    byte[] input = {(byte) 0xEF, (byte) 0xBB, 'x', '\n', 'd', 'a', 't', 'a', ':', 'y', '\n', '\n'};
    List<byte[]> lines = new ArrayList<>();
    List<String> events = new ArrayList<>();
    SseParser p =
        new SseParser(
            new SseParser.Listener() {
              @Override
              public void onData(byte[] buf, int off, int len) {
                events.add(new String(buf, off, len, StandardCharsets.UTF_8));
              }

              @Override
              public void onLine(byte[] buf, int off, int len) {
                lines.add(Arrays.copyOfRange(buf, off, off + len));
              }
            },
            1024,
            true);
    feedInto(p, input, size);
    assertThat(p.finish()).isFalse();
    assertThat(events).containsExactly("y");
    assertThat(lines.get(0)).containsExactly(0xEF, 0xBB, 'x');
  }

  @Test
  void theStartOfABomAtTheEndIsNoLineOverTheLimit() {
    // found by SseParserFuzzTest (seed partial-bom-at-the-end-limit-1): until the third byte, the
    // parser cannot tell a BOM from the first line, so two bytes of it are not a line of 2 bytes
    Collector c = new Collector();
    SseParser p = new SseParser(c, 1, false);
    p.feed(new byte[] {(byte) 0xEF}, 0, 1);
    p.feed(new byte[] {(byte) 0xBB}, 0, 1);
    assertThat(p.finish()).isTrue();
    assertThat(c.events).isEmpty();
  }

  @Test
  void aStreamCutInsideTheBomEndedInsideALine() {
    Collector c = new Collector();
    SseParser p = new SseParser(c, 1024, false);
    p.feed(new byte[] {(byte) 0xEF, (byte) 0xBB}, 0, 2);
    assertThat(p.hasPending()).isTrue();
    assertThat(p.finish()).isTrue();
    assertThat(c.events).isEmpty();
  }

  @Test
  void nothingIsDispatchedForCommentsAndUnknownFieldsAlone() {
    Fed f = feed(bytes(": ping\n\nevent: x\nid: 1\nretry: 10\n\n\n"), 3, 1024);
    assertThat(f.events()).isEmpty();
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
    Fed f = feed(bytes("data: " + value + "\n\n"), 7, 1024);
    assertThat(f.events()).containsExactly(value);
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
    Fed f = feed(all.toByteArray(), WHOLE, 1024);
    assertThat(f.events()).containsExactlyElementsOf(expected);
  }

  @Test
  void theWordAtATimeLineEndScanFindsTheFirstCrOrLfAmongAllByteValuesAtEveryOffset() {
    java.util.Random random = new java.util.Random(11);
    // bytes next to CR and LF in value, and with the high bit, where a borrow could flag a false match
    byte[] near = {0x09, 0x0B, 0x0C, 0x0E, (byte) 0x8A, (byte) 0x8D, 0x00, (byte) 0xFF, 0x01, 'a', 0x0A, 0x0D};
    for (int round = 0; round < 20_000; round++) {
      byte[] a = new byte[1 + random.nextInt(40)];
      for (int k = 0; k < a.length; k++) {
        a[k] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : near[random.nextInt(near.length - (round % 2 == 0 ? 2 : 0))];
      }
      int from = random.nextInt(a.length);
      int end = from + random.nextInt(a.length - from + 1);
      int expected = end;
      for (int k = from; k < end; k++) {
        if (a[k] == '\n' || a[k] == '\r') {
          expected = k;
          break;
        }
      }
      assertThat(SseParser.lineEnd(a, from, end)).as("%s from %d to %d", Arrays.toString(a), from, end).isEqualTo(expected);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
