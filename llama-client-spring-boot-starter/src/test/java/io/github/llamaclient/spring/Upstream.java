package io.github.llamaclient.spring;

import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A replayed llama-server for the Spring tests: {@code GET /props} and {@code GET /health} answer
 * with their recordings, {@code POST /v1/chat/completions} with whatever {@link #onChat} says (by
 * default the recording {@code chat-stream-usage}), anything else with {@code not-found}. Every
 * chat request is kept for the test to look at.
 */
final class Upstream implements AutoCloseable {
  private final RawServer server;
  private final AtomicInteger chats = new AtomicInteger();
  final LinkedBlockingQueue<RawServer.Connection> chatRequests = new LinkedBlockingQueue<>();
  volatile RawServer.Handler onChat = c -> replay(c, Transcript.load("chat-stream-usage"));
  volatile RawServer.Handler onHealth = c -> replay(c, Transcript.load("health"));

  Upstream() {
    server = RawServer.start(this::handle);
  }

  URI url() {
    return server.url();
  }

  /** Chat requests received so far. */
  int chats() {
    return chats.get();
  }

  /** Back to the defaults, forgetting the requests seen. */
  void reset() {
    onChat = c -> replay(c, Transcript.load("chat-stream-usage"));
    onHealth = c -> replay(c, Transcript.load("health"));
    chatRequests.clear();
    chats.set(0);
    server.clearQueues();
  }

  RawServer raw() {
    return server;
  }

  private void handle(RawServer.Connection c) throws Exception {
    String line = c.requestLine();
    if (line.startsWith("GET /props")) {
      replay(c, Transcript.load("props"));
    } else if (line.startsWith("GET /health")) {
      onHealth.handle(c);
    } else if (line.startsWith("POST /v1/chat/completions")) {
      chats.incrementAndGet();
      chatRequests.add(c);
      onChat.handle(c);
    } else {
      replay(c, Transcript.load("not-found"));
    }
  }

  /**
   * Writes a recording as llama-server sent it: its status and headers, the body chunked at the
   * recorded segments (moved back to a UTF-8 character boundary), then closes.
   */
  static void replay(RawServer.Connection c, Transcript t) throws IOException {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + t.status() + " " + reason(t.status()) + "\r\n");
    boolean chunked = false;
    for (Map.Entry<String, String> h : t.headers().entrySet()) {
      String name = h.getKey();
      if (name.equalsIgnoreCase("Transfer-Encoding")) {
        chunked = true;
      } else if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Connection")) {
        head.append(name).append(": ").append(h.getValue()).append("\r\n");
      }
    }
    head.append("Connection: close\r\n");
    byte[] body = t.body();
    if (!chunked) {
      c.write(head.append("Content-Length: ").append(body.length).append("\r\n\r\n").toString());
      c.write(t.bodyText());
      c.close();
      return;
    }
    c.write(head.append("Transfer-Encoding: chunked\r\n\r\n").toString());
    int off = 0;
    for (Transcript.Segment s : t.segments()) {
      int end = Math.min(body.length, off + s.bytes());
      while (end < body.length && end > off && (body[end] & 0xC0) == 0x80) {
        end--; // never split a character: RawServer writes text
      }
      if (end > off) {
        c.chunk(new String(body, off, end - off, StandardCharsets.UTF_8));
        off = end;
      }
    }
    if (off < body.length) {
      c.chunk(new String(body, off, body.length - off, StandardCharsets.UTF_8));
    }
    c.endChunks();
    c.close();
  }

  /** A 503 as llama-server sends it while it loads the model (API.md, section on /health). */
  static void loading(RawServer.Connection c) throws IOException {
    String body = "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}";
    c.write(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nServer: llama.cpp\r\n"
            + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    c.close();
  }

  private static String reason(int status) {
    switch (status) {
      case 200:
        return "OK";
      case 400:
        return "Bad Request";
      case 404:
        return "Not Found";
      case 503:
        return "Service Unavailable";
      default:
        return "Status";
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
