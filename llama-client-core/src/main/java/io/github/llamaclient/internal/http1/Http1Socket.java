package io.github.llamaclient.internal.http1;

import io.github.llamaclient.internal.sse.SseParser;
import io.github.llamaclient.*;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One plain-HTTP/1.1 connection over a blocking {@link SocketChannel}, read by the thread that
 * consumes the stream: the request goes out in one gathering write, the response head is parsed
 * from the read buffer, and the body is handed on de-chunked, straight from that buffer (no copy,
 * no allocation per read). Kept alive between exchanges when the server allows it ({@link
 * Http1Pool}).
 *
 * <p>Used only where it is exactly equivalent to going through the {@code HttpClient}: an {@code
 * http:} URL, no proxy, a client that built its own {@code HttpClient}.
 *
 * <p>Blocking I/O on a {@code SocketChannel} is interruptible (an interrupt closes the channel)
 * and ends at once with {@link java.nio.channels.AsynchronousCloseException} when another thread
 * {@linkplain #close() closes} it, which is how cancels and the watchdog stop a connect, a write or a
 * read. I/O is single-threaded; {@link #close()} and {@link #ioSince()} may be called from any
 * thread.
 */
public final class Http1Socket implements AutoCloseable {

  /** Receives de-chunked body bytes; the array is only valid during the call. */
  public interface Body {
    public void data(byte[] buf, int off, int len);
  }

  /** The response head. */
  public static final class Head {
    public final int status;
    public final Map<String, List<String>> headers;

    public Head(int status, Map<String, List<String>> headers) {
      this.status = status;
      this.headers = headers;
    }

    public String first(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? "" : v.get(0);
    }
  }

  public static final int BUFFER = 16 * 1024;
  private static final int MAX_CHUNK_LINE = 1024;
  private static final Body DISCARD = (b, off, len) -> {};
  /** How long an idle connection is kept when the server does not say (llama-server says 5 s). */
  private static final long DEFAULT_KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(4);

  private final SocketChannel channel;
  private final String origin; // host:port, for the pool
  private final byte[] buf = new byte[BUFFER];
  private final ByteBuffer view = ByteBuffer.wrap(buf);
  private int pos; // next unprocessed byte
  private int limit; // end of the bytes read
  private volatile long ioSince; // System.nanoTime() when the current blocking write or read began, 0 when none
  private boolean connected;
  private boolean reused;
  private boolean receivedAny; // a byte of the current response arrived

  // body framing of the current response
  private static final int CHUNK_SIZE = 0, CHUNK_DATA = 1, CHUNK_DATA_END = 2, TRAILER = 3, DONE = 4;
  private boolean chunked;
  private long remaining = -1; // content-length left; -1 when the body ends with the connection
  private int state = DONE;
  private final StringBuilder chunkLine = new StringBuilder();
  private boolean keepAlive; // the server lets the connection be reused after this response
  private long keepAliveNanos = DEFAULT_KEEP_ALIVE_NANOS;
  public long idleSince; // guarded by the pool
  private long lastRead; // System.nanoTime() of the last read that brought bytes

  private Http1Socket(SocketChannel channel, String origin) {
    this.channel = channel;
    this.origin = origin;
  }

  public static String origin(URI uri) {
    return uri.getHost() + ":" + (uri.getPort() < 0 ? 80 : uri.getPort());
  }

  /** Opens an unconnected channel (blocking mode), so a close from another thread can stop the connect. */
  public static Http1Socket open(URI uri) throws IOException {
    SocketChannel ch = SocketChannel.open();
    try {
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      return new Http1Socket(ch, origin(uri));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Resolves and connects, within {@code timeout}; interruptible, and ends when closed meanwhile. */
  public void connect(URI uri, Duration timeout) throws IOException {
    String host = uri.getHost();
    if (host == null) {
      throw new java.net.UnknownHostException("no host in " + uri);
    }
    InetSocketAddress address = new InetSocketAddress(host, uri.getPort() < 0 ? 80 : uri.getPort());
    if (address.isUnresolved()) {
      throw new java.net.UnknownHostException(host);
    }
    // the socket adaptor's connect honours a timeout (and interrupts, and closes) on a blocking channel
    channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
    connected = true;
  }

  public String origin() {
    return origin;
  }

  /** Whether this connection served an exchange before (a failure before any response byte may mean the server had closed it). */
  public boolean reused() {
    return reused;
  }

  /** Whether a byte of the current response arrived. */
  public boolean receivedAny() {
    return receivedAny;
  }

  /** Writes the request: its method, URI and headers, Host, Content-Length, body. */
  public void send(HttpRequest request, byte[] body) throws IOException {
    URI uri = request.uri();
    StringBuilder head = new StringBuilder(256);
    String path = uri.getRawPath();
    head.append(request.method()).append(' ').append(path == null || path.isEmpty() ? "/" : path);
    if (uri.getRawQuery() != null) {
      head.append('?').append(uri.getRawQuery());
    }
    head.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
    if (uri.getPort() >= 0) {
      head.append(':').append(uri.getPort());
    }
    head.append("\r\n");
    request.headers().map().forEach((name, values) -> {
      for (String v : values) {
        head.append(name).append(": ").append(v).append("\r\n");
      }
    });
    if (body.length > 0 || !"GET".equals(request.method())) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("User-Agent: llama-client\r\n\r\n");
    ByteBuffer[] out = {ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.UTF_8)), ByteBuffer.wrap(body)};
    long left = out[0].remaining() + (long) out[1].remaining();
    ioSince = System.nanoTime() | 1; // never 0 while writing
    try {
      while (left > 0) {
        left -= channel.write(out);
      }
    } finally {
      ioSince = 0;
    }
  }

  /**
   * Reads the response head (skipping 1xx interim responses) and sets up the body framing.
   *
   * @throws LlamaProtocolException when the head is not HTTP/1.x or too large
   */
  public Head readHead() throws IOException {
    for (;;) {
      int end;
      while ((end = headEnd()) < 0) {
        if (pos > 0 && limit == buf.length) { // compact: the head starts at 0 from here on
          System.arraycopy(buf, pos, buf, 0, limit - pos);
          limit -= pos;
          pos = 0;
        }
        if (limit == buf.length) {
          throw new LlamaProtocolException(
              "the response headers are larger than " + BUFFER + " bytes", SseParser.Lines.preview(buf));
        }
        if (fill() < 0) {
          throw new EOFException(
              limit == pos ? "the server closed the connection without a response" : "the connection closed inside the response headers");
        }
      }
      String text = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
      Head head = parseHead(text);
      pos = end;
      if (head.status >= 100 && head.status < 200) {
        continue; // 100 Continue and friends: the real response follows
      }
      String te = head.first("transfer-encoding").toLowerCase(Locale.ROOT);
      String cl = head.first("content-length");
      keepAlive = text.startsWith("HTTP/1.1") && !head.first("connection").toLowerCase(Locale.ROOT).contains("close");
      keepAliveNanos = keepAliveNanos(head.first("keep-alive"));
      if (te.contains("chunked")) {
        chunked = true;
        state = CHUNK_SIZE;
      } else if (!cl.isEmpty()) {
        chunked = false;
        try {
          remaining = Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
          remaining = -2;
        }
        if (remaining < 0) {
          throw new LlamaProtocolException("invalid Content-Length in the response", cl);
        }
        state = remaining == 0 ? DONE : CHUNK_DATA;
      } else if (head.status == 204 || head.status == 304) {
        chunked = false;
        state = DONE;
      } else {
        chunked = false;
        remaining = -1; // until the connection closes
        keepAlive = false;
        state = CHUNK_DATA;
      }
      return head;
    }
  }

  /** A second less than the server's {@code Keep-Alive: timeout=N}, so we never reuse what it is about to drop. */
  private static long keepAliveNanos(String header) {
    int i = header.toLowerCase(Locale.ROOT).indexOf("timeout=");
    if (i < 0) {
      return DEFAULT_KEEP_ALIVE_NANOS;
    }
    int j = i + 8;
    int k = j;
    while (k < header.length() && Character.isDigit(header.charAt(k))) {
      k++;
    }
    try {
      long seconds = Long.parseLong(header.substring(j, k));
      return TimeUnit.SECONDS.toNanos(Math.max(0, Math.min(seconds - 1, 60)));
    } catch (NumberFormatException e) {
      return DEFAULT_KEEP_ALIVE_NANOS;
    }
  }

  /** The index just past the blank line ending the head, or -1 when it is not read yet. */
  private int headEnd() {
    for (int i = pos; i < limit; i++) {
      if (buf[i] == '\n') {
        if (i + 1 < limit && buf[i + 1] == '\n') {
          return i + 2;
        }
        if (i + 2 < limit && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
          return i + 3;
        }
      }
    }
    return -1;
  }

  private static Head parseHead(String text) {
    String[] lines = text.split("\r?\n");
    String status = lines[0];
    if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
      throw new LlamaProtocolException("not an HTTP/1.x status line", status);
    }
    int code;
    try {
      code = Integer.parseInt(status.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new LlamaProtocolException("not an HTTP/1.x status line", status);
    }
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new LlamaProtocolException("malformed response header", line);
      }
      headers
          .computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
          .add(line.substring(colon + 1).trim());
    }
    return new Head(code, headers);
  }

  /**
   * Hands on the body bytes now in the buffer, reading once from the socket first when there are
   * none. Blocks in that read.
   *
   * @return false once the body has ended
   * @throws EOFException when the connection closed before the end of a framed body
   * @throws ProtocolException when the chunked framing is broken (as with the HttpClient, an I/O
   *     failure: the stream broke)
   */
  public boolean readBody(Body out) throws IOException {
    if (state == DONE) {
      return false;
    }
    if (pos == limit) {
      pos = 0;
      limit = 0;
      if (fill() < 0) {
        if (!chunked && remaining < 0) {
          state = DONE;
          return false;
        }
        throw new EOFException("the connection closed before the end of the response body");
      }
    }
    process(out);
    return state != DONE;
  }

  /** Runs the framing over the buffered bytes, handing on body data. */
  private void process(Body out) throws ProtocolException {
    while (pos < limit && state != DONE) {
      switch (state) {
        case CHUNK_SIZE:
          if (line()) {
            String s = chunkLine.toString();
            chunkLine.setLength(0);
            int semi = s.indexOf(';');
            String hex = (semi < 0 ? s : s.substring(0, semi)).trim();
            long size;
            try {
              size = hex.isEmpty() ? -1 : Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
              size = -1;
            }
            if (size < 0) {
              throw new ProtocolException(
                  "invalid chunk size in the response body: '" + SseParser.Lines.preview(s.getBytes(StandardCharsets.ISO_8859_1)) + "'");
            }
            remaining = size;
            state = size == 0 ? TRAILER : CHUNK_DATA;
          }
          break;
        case CHUNK_DATA: {
          int n = limit - pos;
          if (remaining >= 0 && remaining < n) {
            n = (int) remaining;
          }
          if (n > 0) {
            int off = pos;
            pos += n;
            if (remaining >= 0) {
              remaining -= n;
            }
            out.data(buf, off, n);
          }
          if (remaining == 0) {
            state = chunked ? CHUNK_DATA_END : DONE;
          }
          break;
        }
        case CHUNK_DATA_END:
          if (line()) {
            if (chunkLine.length() != 0) {
              throw new ProtocolException("a chunk of the response body does not end with CRLF");
            }
            state = CHUNK_SIZE;
          }
          break;
        case TRAILER:
          if (line()) {
            if (chunkLine.length() == 0) {
              state = DONE;
            }
            chunkLine.setLength(0);
          }
          break;
        default:
          throw new IllegalStateException("state " + state);
      }
    }
  }

  /**
   * Collects a framing line into chunkLine; true when it is complete (its LF consumed, a CR before
   * it dropped). The caller clears chunkLine after reading it.
   */
  private boolean line() throws ProtocolException {
    while (pos < limit) {
      byte b = buf[pos++];
      if (b == '\n') {
        int len = chunkLine.length();
        if (len > 0 && chunkLine.charAt(len - 1) == '\r') {
          chunkLine.setLength(len - 1);
        }
        return true;
      }
      if (chunkLine.length() >= MAX_CHUNK_LINE) {
        throw new ProtocolException("a chunk-size line is longer than " + MAX_CHUNK_LINE + " bytes");
      }
      chunkLine.append((char) (b & 0xff));
    }
    return false;
  }

  /** Blocking read into the buffer after {@code limit}; -1 at end of stream. */
  private int fill() throws IOException {
    view.limit(buf.length).position(limit);
    ioSince = System.nanoTime() | 1; // never 0 while reading
    int n;
    try {
      n = channel.read(view);
    } finally {
      ioSince = 0;
    }
    if (n > 0) {
      limit += n;
      receivedAny = true;
      lastRead = System.nanoTime();
    }
    return n;
  }

  /** When the blocking write or read in progress began (System.nanoTime), or 0 when none is. */
  public long ioSince() {
    return ioSince;
  }

  /**
   * Whether this connection may go back to the pool after its exchange completed: the server
   * keeps it alive and the body is framed (the rest of it, normally just the last chunk, is read
   * by {@link #prepareReuse()}).
   */
  public boolean keepAlive() {
    return keepAlive && connected && channel.isOpen() && (state == DONE || chunked || remaining >= 0);
  }

  public long keepAliveNanos() {
    return keepAliveNanos;
  }

  /**
   * When the last bytes arrived: the server's keep-alive time runs from about then, not from when
   * a slow consumer got to the end of what was read.
   */
  public long lastRead() {
    return lastRead;
  }

  /**
   * Readies a pooled connection for the next exchange without blocking: reads what is left of the
   * previous body (it has arrived long since), and checks that the server has not closed the
   * connection meanwhile. False when the connection cannot be used (it should be closed).
   */
  public boolean prepareReuse() {
    try {
      channel.configureBlocking(false);
      try {
        while (state != DONE) {
          if (pos == limit) {
            pos = 0;
            limit = 0;
            view.limit(buf.length).position(0);
            int n = channel.read(view);
            if (n <= 0) {
              return false; // not arrived (a server that keeps the body open) or closed
            }
            limit = n;
          }
          process(DISCARD);
        }
        if (pos != limit) {
          return false; // bytes after the end of the body: not a response to anything we sent
        }
        view.limit(buf.length).position(0);
        if (channel.read(view) != 0) {
          return false; // -1: the server closed it; more: unsolicited bytes
        }
      } finally {
        if (channel.isOpen()) {
          channel.configureBlocking(true);
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    pos = 0;
    limit = 0;
    reused = true;
    receivedAny = false;
    chunkLine.setLength(0);
    return true;
  }

  /** Closes the connection; I/O blocked in another thread ends at once. Idempotent. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to do: the descriptor is released either way
    }
  }
}
