package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.internal.exchange.Clock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A reader thread's connections share their grown read buffers: a connection whose body ended
 * gives its buffer back, the next burst reads into it instead of allocating 64 KB of its own, and
 * what it reads is its own bytes, whatever the buffer held before.
 */
class SpareBuffersTest {
  private static final Clock CLOCK = Clock.SYSTEM;

  /** Records what was taken and given; holds any number. */
  private static final class Spares implements Http1Socket.Buffers {
    final ArrayDeque<byte[]> spare = new ArrayDeque<>();
    int taken;
    int given;

    @Override
    public byte @Nullable [] take() {
      byte[] b = spare.poll();
      if (b != null) {
        taken++;
      }
      return b;
    }

    @Override
    public void give(byte[] buf) {
      given++;
      spare.push(buf);
    }
  }

  /** A response whose body is {@code size} bytes of {@code fill}, arriving in reads of the given sizes. */
  private static List<byte[]> response(byte fill, int size) {
    byte[] body = new byte[size];
    Arrays.fill(body, fill);
    List<byte[]> reads = new ArrayList<>();
    reads.add(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    reads.add(body); // one piece: the reads fill the buffer, so it grows
    return reads;
  }

  /** Reads a whole response as the reader thread does, then gives the buffer back; returns the body. */
  private static byte[] readAll(Http1Socket s) throws Exception {
    while (s.pollHead() == null) {
      // the head arrives in the first read
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int r;
    while ((r = s.pollBody((b, off, len) -> body.write(b, off, len))) != Http1Socket.BODY_END) {
      assertThat(r).as("scripted reads never come up empty").isEqualTo(Http1Socket.BODY_DATA);
    }
    s.giveBufferBack();
    return body.toByteArray();
  }

  @Test
  void theNextBurstReadsIntoTheBufferTheLastOneGaveBack() throws Exception {
    Spares spares = new Spares();
    int size = 3 * Http1Socket.NIO_BUFFER / 2;

    Http1Socket first = Http1Socket.over(new ScriptedChannel(response((byte) 'a', size)), CLOCK);
    first.readBy(spares);
    byte[] a = readAll(first);
    assertThat(a).hasSize(size).containsOnly((byte) 'a');
    assertThat(spares.taken).as("none was spare yet").isZero();
    assertThat(spares.given).as("the grown buffer went back at the end of the body").isEqualTo(1);
    byte[] grown = spares.spare.peek();
    assertThat(grown).hasSize(Http1Socket.NIO_BUFFER);

    Http1Socket second = Http1Socket.over(new ScriptedChannel(response((byte) 'b', size)), CLOCK);
    second.readBy(spares);
    byte[] b = readAll(second);
    assertThat(b).as("its own bytes, not what the buffer held").hasSize(size).containsOnly((byte) 'b');
    assertThat(spares.taken).as("the second burst took the spare").isEqualTo(1);
    assertThat(spares.spare).as("and gave the same buffer back: no second one allocated").containsExactly(grown);
  }

  @Test
  void aBufferThatNeverGrewIsNotGivenAndASocketWithoutSparesAllocates() throws Exception {
    Spares spares = new Spares();
    Http1Socket small = Http1Socket.over(new ScriptedChannel(response((byte) 'c', 100)), CLOCK);
    small.readBy(spares);
    assertThat(readAll(small)).hasSize(100);
    assertThat(spares.given).as("a 2 KB buffer is not a spare").isZero();

    Http1Socket plain = Http1Socket.over(new ScriptedChannel(response((byte) 'd', 3 * Http1Socket.BUFFER)), CLOCK);
    assertThat(readAll(plain)).hasSize(3 * Http1Socket.BUFFER).containsOnly((byte) 'd');
  }

  @Test
  void aReaderKeepsAtMostItsShareOfSpares() {
    NioLoop loop = new NioLoop(Executors.defaultThreadFactory());
    try {
      for (int i = 0; i < NioLoop.SPARE_BUFFERS + 3; i++) {
        loop.give(new byte[Http1Socket.NIO_BUFFER]);
      }
      assertThat(loop.spareBuffers()).isEqualTo(NioLoop.SPARE_BUFFERS);
      assertThat(loop.take()).hasSize(Http1Socket.NIO_BUFFER);
      assertThat(loop.spareBuffers()).isEqualTo(NioLoop.SPARE_BUFFERS - 1);
    } finally {
      loop.close();
    }
  }
}
