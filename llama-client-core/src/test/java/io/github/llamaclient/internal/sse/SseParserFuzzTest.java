package io.github.llamaclient.internal.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.llamaclient.LlamaProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link SseParser} against a reference written from the SSE specification's algorithm, over the
 * same bytes fed in random reads: the same events with the same data, the same lines, the same
 * report at the end, and a {@link LlamaProtocolException} exactly when a line or an event's data
 * is over the limit.
 *
 * <p>Every build runs the seeds in {@code SseParserFuzzTestInputs/parsesAsTheSpecificationSays/};
 * with {@code JAZZER_FUZZ=1} Jazzer fuzzes ({@code .ci/fuzz.sh}). The input's first bytes are the
 * SSE bytes; the reads, the limit and the feeding style are taken from its last bytes.
 */
class SseParserFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void parsesAsTheSpecificationSays(FuzzedDataProvider data) {
    // FuzzedDataProvider takes numbers from the end and bytes from the front
    int limit = data.consumeBoolean() ? data.consumeInt(1, 80) : 1 << 16;
    boolean trace = data.consumeBoolean();
    boolean buffers = data.consumeBoolean();
    int[] reads = new int[data.consumeInt(1, 8)];
    reads[0] = data.consumeInt(1, 40);
    for (int i = 1; i < reads.length; i++) {
      reads[i] = data.consumeInt(0, 40); // 0: an empty read
    }
    byte[] input = data.consumeRemainingAsBytes();

    Reference expected = Reference.parse(input, limit);
    List<String> events = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    SseParser parser =
        new SseParser(
            new SseParser.Listener() {
              @Override
              public void onData(byte[] buf, int off, int len) {
                events.add(new String(buf, off, len, StandardCharsets.ISO_8859_1));
              }

              @Override
              public void onLine(byte[] buf, int off, int len) {
                lines.add(new String(buf, off, len, StandardCharsets.ISO_8859_1));
              }
            },
            limit,
            trace);
    boolean endedInside;
    try {
      feed(parser, input, reads, buffers);
      endedInside = parser.finish();
    } catch (LlamaProtocolException e) {
      assertThat(expected.overLimit).as("only a line or event over the limit fails").isTrue();
      assertThat(events).as("the events before the long line").isEqualTo(expected.events);
      return;
    }
    assertThat(expected.overLimit).as("a line or event over the limit of %d fails", limit).isFalse();
    assertThat(events).isEqualTo(expected.events);
    assertThat(lines).isEqualTo(trace ? expected.lines : List.of());
    assertThat(endedInside).as("finish() says whether the input ended inside an event").isEqualTo(expected.endedInside);
  }

  /** Feeds {@code input} in reads of the given sizes, cycled (the first is not 0). */
  private static void feed(SseParser parser, byte[] input, int[] reads, boolean buffers) {
    int off = 0;
    for (int k = 0; off < input.length; k++) {
      int n = Math.min(reads[k % reads.length], input.length - off);
      if (buffers) {
        // the copying path: read-only heap buffers (no array) and direct ones
        ByteBuffer b = (k % 2 == 0 ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n));
        b.put(input, off, n).flip();
        parser.feed(k % 2 == 0 ? b : b.asReadOnlyBuffer());
      } else {
        byte[] read = new byte[n + 2]; // a fresh array with slack, as network buffers come
        System.arraycopy(input, off, read, 1, n);
        parser.feed(read, 1, n);
      }
      off += n;
    }
  }

  /**
   * The SSE specification's parsing algorithm, as written there, on the whole input at once. The
   * bytes are read as ISO-8859-1 (one char per byte), so that data compares byte for byte; the
   * BOM is then its three bytes as chars. Only the {@code data} field matters to the events.
   */
  static final class Reference {
    final List<String> events = new ArrayList<>();
    final List<String> lines = new ArrayList<>();
    boolean endedInside;
    /** Whether a line or an event's data was over the limit; the lists stop there. */
    boolean overLimit;

    static Reference parse(byte[] bytes, int limit) {
      Reference r = new Reference();
      String s = new String(bytes, StandardCharsets.ISO_8859_1);
      int pos = s.startsWith("\u00ef\u00bb\u00bf") ? 3 : 0; // one leading BOM is skipped
      StringBuilder data = new StringBuilder(); // the spec's data buffer: each value, then LF
      while (pos < s.length()) {
        int cr = s.indexOf('\r', pos);
        int lf = s.indexOf('\n', pos);
        int eol = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
        String line = eol < 0 ? s.substring(pos) : s.substring(pos, eol);
        if (eol < 0 && pos == 0 && "\u00ef\u00bb\u00bf".startsWith(line)) {
          // the input is the start of a BOM and no more: not known to be a line yet, so it is not
          // held against the limit (seed partial-bom-at-the-end-limit-1, found by fuzzing)
          r.endedInside = true;
          return r;
        }
        if (line.length() > limit) {
          r.overLimit = true;
          return r;
        }
        if (eol < 0) {
          r.endedInside = true; // a last line without its end: not a line, dropped
          return r;
        }
        pos = s.startsWith("\r\n", eol) ? eol + 2 : eol + 1;
        r.lines.add(line);
        if (line.isEmpty()) {
          if (data.length() > 0) { // dispatch: without the last LF
            r.events.add(data.substring(0, data.length() - 1));
          }
          data.setLength(0);
        } else if (line.charAt(0) != ':') {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1);
          if (value.startsWith(" ")) {
            value = value.substring(1);
          }
          if (field.equals("data")) {
            data.append(value).append('\n');
            if (data.length() - 1 > limit) {
              r.overLimit = true;
              return r;
            }
          }
          // event, id, retry and unknown fields set no data
        }
      }
      r.endedInside = data.length() > 0; // an event without its blank line: dropped
      return r;
    }
  }
}
