package io.github.llamaclient;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The transports a reply can come through: the client's own HTTP/1.1 reader (pulled faces, plain
 * http; the push faces too, on the client's reader threads: a few selector threads over
 * non-blocking connections), the same with the push faces on a virtual thread each by choice
 * ({@code pushOnVirtualThreads(true)}, JDK 21+), and {@code java.net.http} (every face with {@code
 * readOnConsumingThread(false)}). {@link #faces()} pairs every face with each transport it can use
 * on this JDK.
 */
enum Transports {
  HTTP1(true, false),
  VIRTUAL(true, true),
  JDK(false, false);

  private final boolean direct;
  private final boolean virtualPush;

  Transports(boolean direct, boolean virtualPush) {
    this.direct = direct;
    this.virtualPush = virtualPush;
  }

  /** A builder for a client on this transport. */
  LlamaClientBuilder builder(URI baseUrl) {
    return LlamaClient.builder().baseUrl(baseUrl).readOnConsumingThread(direct).pushOnVirtualThreads(virtualPush);
  }

  /** Every face with every transport it reads through: (Faces, Transports). */
  static Stream<Arguments> faces() {
    List<Arguments> out = new ArrayList<>();
    for (Faces f : Faces.values()) {
      boolean pulled = f == Faces.STREAM || f == Faces.EVENTS || f == Faces.BLOCKING;
      for (Transports t : values()) {
        if (t.distinctFor(!pulled)) {
          out.add(Arguments.of(f, t));
        }
      }
    }
    return out.stream();
  }

  /**
   * Whether a face reads through this transport differently from the others: {@link #VIRTUAL}
   * only for push faces where the JDK has virtual threads (elsewhere it is {@link #HTTP1}).
   */
  boolean distinctFor(boolean pushedFace) {
    return this != VIRTUAL || pushedFace && VirtualThreads.available();
  }
}
