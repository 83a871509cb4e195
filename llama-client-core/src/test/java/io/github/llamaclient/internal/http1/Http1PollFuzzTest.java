package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.llamaclient.internal.exchange.Clock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fuzzes the non-blocking reading of {@link Http1Socket} (the reader threads' path: {@link
 * Http1Socket#pollHead()} and {@link Http1Socket#pollBody}) against its blocking reading (the
 * pulled faces' path) of the same response. The first two input bytes seed where the response is
 * cut into reads, with reads that find nothing in between; the rest is the response.
 *
 * <p>Invariant: however the bytes arrive, the non-blocking path gives the same head, the same body
 * bytes and the same end (or the same failure, with the same message) as the blocking path given
 * everything at once, and each poll makes progress (it takes a read, or reports the one that found
 * nothing). Seeds are
 * in {@code src/test/resources/.../Http1PollFuzzTestInputs/poll/}; every build replays them,
 * {@code JAZZER_FUZZ=1} fuzzes.
 */
class Http1PollFuzzTest {
  private static final Clock CLOCK =
      new Clock() {
        @Override
        public long nanoTime() {
          return 0;
        }

        @Override
        public Scheduled schedule(Runnable task, long delayNanos) {
          return () -> {};
        }
      };

  @FuzzTest(maxDuration = "20s")
  void poll(byte[] data) {
    if (data.length < 3) {
      return;
    }
    long seed = ((data[0] & 0xffL) << 8) | (data[1] & 0xffL);
    byte[] response = Arrays.copyOfRange(data, 2, data.length);
    String expected = blocking(response);
    String actual = polled(response, pieces(response, new SplittableRandom(seed)));
    assertThat(actual).isEqualTo(expected);
  }

  /** The response cut into reads of 1 to 300 bytes, about a third of them preceded by a read that finds nothing. */
  private static List<byte[]> pieces(byte[] response, SplittableRandom random) {
    List<byte[]> out = new ArrayList<>();
    for (int at = 0; at < response.length; ) {
      if (random.nextInt(3) == 0) {
        out.add(new byte[0]);
      }
      int n = Math.min(response.length - at, 1 + random.nextInt(300));
      out.add(Arrays.copyOfRange(response, at, at + n));
      at += n;
    }
    return out;
  }

  /** The pulled path, everything available in one read. */
  private static String blocking(byte[] response) {
    Http1Socket s = Http1Socket.over(new ScriptedChannel(List.of(response)), CLOCK);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head = "";
    try {
      Http1Socket.Head h = s.readHead();
      head = describe(h);
      while (s.readBody((b, off, len) -> body.write(b, off, len))) {
        // each turn reads once
      }
      return head + " body " + body.toString(StandardCharsets.ISO_8859_1) + " ended";
    } catch (IOException | RuntimeException e) {
      return head + " body " + body.toString(StandardCharsets.ISO_8859_1) + " failed " + e;
    }
  }

  /** The reader threads' path over the given reads. */
  private static String polled(byte[] response, List<byte[]> reads) {
    Http1Socket s = Http1Socket.over(new ScriptedChannel(reads), CLOCK);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head = "";
    int polls = 0;
    int limit = 4 * reads.size() + 8; // every poll consumes a piece, an empty one, or the end
    try {
      s.beginResponse();
      Http1Socket.Head h;
      while ((h = s.pollHead()) == null) {
        assertThat(++polls).as("polls for the head").isLessThan(limit);
      }
      head = describe(h);
      for (;;) {
        assertThat(++polls).as("polls in all").isLessThan(limit);
        int r = s.pollBody((b, off, len) -> body.write(b, off, len));
        if (r == Http1Socket.BODY_END) {
          return head + " body " + body.toString(StandardCharsets.ISO_8859_1) + " ended";
        }
      }
    } catch (IOException | RuntimeException e) {
      return head + " body " + body.toString(StandardCharsets.ISO_8859_1) + " failed " + e;
    }
  }

  private static String describe(Http1Socket.Head h) {
    return "head " + h.status + " " + h.headers;
  }
}
