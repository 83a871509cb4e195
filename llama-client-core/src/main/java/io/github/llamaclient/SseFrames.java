package io.github.llamaclient;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes a reply to a browser (or any HTTP client) as Server-Sent Events in the relay wire format:
 * one {@code data: {"content": "..."}} event per piece of text, {@code data: {"done": true}} at the
 * end, and {@code data: {"error": "..."}} instead if the reply failed. Each event is flushed as soon
 * as it is written, so a web server that streams its response body passes it on at once.
 *
 * <p>Framework-free: it writes to any {@link OutputStream} (a servlet's, a {@code
 * com.sun.net.httpserver.HttpExchange}'s, a socket's). The caller sets the response headers
 * ({@code Content-Type: text/event-stream}, {@code Cache-Control: no-cache}, {@code
 * X-Accel-Buffering: no}) and closes the output stream; this class closes neither it nor anything
 * else, except in {@link #relay(Stream)}, which closes the reply stream.
 *
 * <pre>{@code
 * try (OutputStream body = exchange.getResponseBody()) {
 *   SseFrames.to(body).relay(client.generateStream(request));
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one thread writes.
 */
public final class SseFrames {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] DONE = "data: {\"done\":true}\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final OutputStream out;

  private SseFrames(OutputStream out) {
    this.out = out;
  }

  /**
   * Frames written to {@code out}.
   *
   * @param out where the events go; not closed by this class
   * @return the writer
   */
  public static SseFrames to(OutputStream out) {
    return new SseFrames(Objects.requireNonNull(out, "out"));
  }

  /**
   * Writes and flushes {@code data: {"content": text}}.
   *
   * @param text a piece of the reply
   * @throws IOException if writing fails, typically because the client went away
   */
  public void content(String text) throws IOException {
    write("content", Objects.requireNonNull(text, "text"));
  }

  /**
   * Writes and flushes {@code data: {"done": true}}.
   *
   * @throws IOException if writing fails
   */
  public void done() throws IOException {
    out.write(DONE);
    out.flush();
  }

  /**
   * Writes and flushes {@code data: {"error": message}}.
   *
   * @param message what went wrong, shown to the client (never put secrets in it)
   * @throws IOException if writing fails
   */
  public void error(String message) throws IOException {
    write("error", Objects.requireNonNull(message, "message"));
  }

  /**
   * Relays a streamed reply: a content event per piece, then done; or, if the reply fails with a
   * {@link LlamaException}, an error event with its message. The reply stream is closed in every
   * case, and when writing fails (the client went away) it is closed first, which cancels the
   * upstream request so llama-server stops generating.
   *
   * @param text the reply, for example {@link LlamaClient#generateStream(ChatRequest)}; closed by
   *     this method
   * @return true if the reply completed, false if it failed and an error event was sent
   * @throws IOException if writing fails; the reply stream has been closed by then
   */
  public boolean relay(Stream<String> text) throws IOException {
    Objects.requireNonNull(text, "text");
    try (text) {
      Iterator<String> it = text.iterator();
      while (true) {
        String piece;
        try {
          if (!it.hasNext()) {
            break;
          }
          piece = it.next();
        } catch (LlamaException e) {
          error(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
          return false;
        }
        content(piece);
      }
      done();
      return true;
    }
  }

  private void write(String field, String value) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(value.length() + 32);
    buf.write('d');
    buf.write('a');
    buf.write('t');
    buf.write('a');
    buf.write(':');
    buf.write(' ');
    try (JsonGenerator g = JSON.createGenerator(buf)) {
      g.writeStartObject();
      g.writeStringField(field, value);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    buf.write('\n');
    buf.write('\n');
    buf.writeTo(out);
    out.flush();
  }
}
