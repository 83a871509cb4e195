package io.github.llamaclient;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The two transports a reply can come through: the client's own HTTP/1.1 reader (pulled faces,
 * plain http; the push faces too where the JDK has virtual threads) and {@code java.net.http} (the
 * push faces on JDK 17; every face with {@code readOnConsumingThread(false)}). {@link #faces()}
 * pairs every face with each transport it can use on this JDK.
 */
enum Transports {
  HTTP1(true),
  JDK(false);

  private final boolean direct;

  Transports(boolean direct) {
    this.direct = direct;
  }

  /** A builder for a client on this transport. */
  LlamaClientBuilder builder(URI baseUrl) {
    return LlamaClient.builder().baseUrl(baseUrl).readOnConsumingThread(direct);
  }

  /** Every face with every transport it reads through: (Faces, Transports). */
  static Stream<Arguments> faces() {
    List<Arguments> out = new ArrayList<>();
    for (Faces f : Faces.values()) {
      boolean pulled = f == Faces.STREAM || f == Faces.EVENTS || f == Faces.BLOCKING;
      if (pulled || pushOverHttp1()) {
        out.add(Arguments.of(f, HTTP1));
      }
      out.add(Arguments.of(f, JDK));
    }
    return out.stream();
  }

  /** Whether the push faces read over our HTTP/1.1 transport here (on virtual threads: JDK 21+). */
  static boolean pushOverHttp1() {
    return VirtualThreads.available();
  }
}
