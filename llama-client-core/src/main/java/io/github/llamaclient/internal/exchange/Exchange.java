package io.github.llamaclient.internal.exchange;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.LlamaTimeoutException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.WireListener;
import io.github.llamaclient.internal.json.HttpErrors;
import io.github.llamaclient.internal.json.StreamDecoder;
import io.github.llamaclient.internal.sse.SseParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One request and its response, on either transport: the one state machine every face adapts.
 *
 * <p>Lifecycle, one state variable ({@link #state}), every step checked:
 *
 * <pre>
 *   NEW ──start()──▶ READY ──open──▶ SENT ──head──▶ BODY ──end──▶ DONE
 *    │                 │              │ ▲              │
 *    │                 │              │ └─resend once──┤ (stale connection / idempotent, no byte yet)
 *    └──reject()───────┴──────────────┴────────────────┴──▶ FAILED | CANCELLED
 * </pre>
 *
 * A pushed exchange goes from NEW to SENT at once; a pulled one waits in READY until its consumer
 * steps it. Whoever moves the state to a terminal value (by compare-and-set) delivers the one
 * terminal signal to the sink, disarms the watchdog and releases or closes the connection.
 *
 * <p>Policies, the same for both transports: the response limit (from the send to the head; a
 * request may carry its own), the idle limit between reads, an optional total deadline, the one
 * retry rule ({@link #mayResend}), all on the engine's {@link Clock}. For a pulled exchange the
 * response and idle limits count only while the consuming thread is blocked in this exchange's
 * I/O: a consumer busy elsewhere is not a silent server.
 *
 * <p>Data goes one way: transport bytes → {@link SseParser} → {@link StreamDecoder} → {@link Sink};
 * a body that is not an event stream (an error, or a small endpoint's JSON) is collected within a
 * bound instead.
 */
public final class Exchange<R> implements Transport.Receiver, SseParser.Listener, StreamDecoder.Out {

  /**
   * The consumer side: one face. Producer-side methods are called serially (on the transport's
   * thread for a pushed exchange, on the consuming thread for a pulled one).
   */
  public abstract static class Sink<R> {
    volatile @Nullable Exchange<R> exchange;

    /**
     * A decoded event (producer thread).
     *
     * @param event the event
     */
    protected abstract void event(ChatEvent event);

    /**
     * The exchange completed (producer thread).
     *
     * @param result the result
     */
    protected abstract void complete(R result);

    /**
     * The exchange failed or was cancelled; at most once, never after {@link #complete}. Any thread.
     *
     * @param failure what happened
     */
    protected abstract void fail(LlamaException failure);

    /** The events of one read were handed over: a batching sink publishes them now. */
    protected void flush() {}

    /** A pulled exchange may start now: its consumer should step it. */
    protected void startable() {}

    /**
     * Whether the producer should read more now. Cheap and thread-safe.
     *
     * @return true to read on
     */
    protected abstract boolean wantsMore();

    /** Consumers call this after taking events, to resume a paused producer. */
    protected final void consumed() {
      Exchange<R> e = exchange;
      if (e != null) {
        e.resume();
      }
    }

    /**
     * The exchange this sink is attached to, or null before.
     *
     * @return the exchange
     */
    protected final @Nullable Exchange<R> exchange() {
      return exchange;
    }
  }

  /**
   * A whole body, collected: the result of an exchange for a request that is not streamed.
   *
   * @param status the status (2xx)
   * @param headers the headers, names in lower case
   * @param body the body bytes
   */
  public record Collected(int status, Map<String, List<String>> headers, byte[] body) {}

  private static final System.Logger LOG = System.getLogger(Exchange.class.getName());
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final int MAX_UNEXPECTED_BODY = 400;
  /** A resend after a reused connection failed only this soon after the send: the server had dropped it. */
  static final long RESEND_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  static final int NEW = 0;
  static final int READY = 1;
  static final int SENT = 2;
  static final int BODY = 3;
  static final int DONE = 4;
  static final int FAILED = 5;
  static final int CANCELLED = 6;

  private final AtomicInteger state = new AtomicInteger(NEW);

  private final Engine engine;
  // the target: set at construction, or by the route at start and after a failed connect (then
  // before the next attempt opens), so each attempt reads them after they were written
  private volatile Request request;
  private volatile URI uri;
  private volatile String where; // the URI as messages show it (no credentials)
  private volatile @Nullable Route route;
  private final Transport transport;
  private final Sink<R> sink;
  private final @Nullable StreamDecoder<R> decoder; // null: the body is collected
  private final @Nullable Function<Collected, R> collected;
  private final @Nullable SseParser parser;
  private final @Nullable WireListener wire;
  private final Clock clock;
  private final TimeoutPolicy policy;

  private volatile Transport.@Nullable Call call;
  private int attempts; // producer side, and start()
  private volatile int attemptId; // every attempt's number, never reset (a failover resets attempts)
  private long startedAt;
  private volatile long sentAt;
  private volatile long stepSince; // pulled: when the consumer's current step began, or 0
  private volatile long lastActivity;
  private volatile boolean paused; // pushed: waiting for the consumer
  private volatile boolean delivering; // pushed: handing on a read (not waiting for the server)
  private volatile @Nullable Runnable onTerminate;
  private final Watchdog watchdog;

  // the response (producer side)
  private int status;
  private @Nullable ByteArrayOutputStream collecting; // error, unexpected or collected body
  private int collectLimit;
  private @Nullable Function<byte[], LlamaException> collectedFailure;
  private @Nullable Map<String, List<String>> headers;
  private boolean sawEnd; // the decoder saw the end of the stream ([DONE] or the final chunk)

  private Exchange(
      Engine engine,
      Request request,
      Transport transport,
      @Nullable StreamDecoder<R> decoder,
      @Nullable Function<Collected, R> collected,
      Sink<R> sink) {
    this.engine = engine;
    this.request = request;
    this.uri = request.uri();
    this.where = engine.secrets.redactUrl(uri.toString());
    this.transport = transport;
    this.sink = sink;
    this.decoder = decoder;
    this.collected = collected;
    WireListener shared = engine.wire;
    this.wire = shared == null ? null : forExchange(shared);
    this.parser = decoder == null ? null : new SseParser(this, engine.maxLineBytes, wire != null);
    this.clock = engine.clock;
    this.watchdog = new Watchdog(clock);
    this.policy =
        new TimeoutPolicy(
            request.http().timeout().orElse(engine.responseTimeout).toNanos(),
            engine.idleTimeout.toNanos(),
            engine.totalTimeout == null ? 0 : engine.totalTimeout.toNanos());
    sink.exchange = this;
  }

  /**
   * An exchange whose reply is an event stream, decoded into events.
   *
   * @param <R> the result type
   * @param engine the engine
   * @param request the request ({@link Request#stream()} true)
   * @param transport the transport to use
   * @param decoder the chunk decoder
   * @param sink the face
   * @return the exchange, not started
   */
  public static <R> Exchange<R> streaming(
      Engine engine, Request request, Transport transport, StreamDecoder<R> decoder, Sink<R> sink) {
    return new Exchange<>(engine, request, transport, decoder, null, sink);
  }

  /**
   * An exchange whose reply is one body, collected within {@code maxBytes}.
   *
   * @param <R> the result type
   * @param engine the engine
   * @param request the request
   * @param transport the transport to use
   * @param maxBytes the most body bytes to accept
   * @param result makes the result from the collected body
   * @param sink the face
   * @return the exchange, not started
   */
  public static <R> Exchange<R> collecting(
      Engine engine,
      Request request,
      Transport transport,
      int maxBytes,
      Function<Collected, R> result,
      Sink<R> sink) {
    Exchange<R> x = new Exchange<>(engine, request, transport, null, result, sink);
    x.collectLimit = maxBytes;
    return x;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Lets the exchange begin: a pushed one sends now; a pulled one waits for its consumer's {@link
   * #pump()} (see {@link #sendNow()}). Failures reach the sink.
   */
  public void start() {
    if (!state.compareAndSet(NEW, READY)) {
      return; // cancelled or rejected meanwhile
    }
    startedAt = clock.nanoTime();
    Route r = route;
    if (r != null) {
      try {
        target(r.first(request));
      } catch (LlamaException e) {
        fail(e);
        return;
      }
    }
    if (wire != null) {
      WireListener w = wire;
      safeWire(() -> w.onRequest(request.http().method(), uri, redactedHeaders(), new String(request.body(), StandardCharsets.UTF_8)));
    }
    if (transport.pulled()) {
      armWatchdog(policy.totalNanos > 0 ? policy.totalNanos : Long.MAX_VALUE);
      sink.startable();
      return;
    }
    open(true);
  }

  /** Opens an attempt (READY or a resend from SENT). */
  private void open(boolean mayReuse) {
    if (state.get() >= DONE) {
      return;
    }
    attempts++;
    int id = ++attemptId;
    state.compareAndSet(READY, SENT);
    sentAt = clock.nanoTime();
    // routed: each attempt reports through its own receiver, so a second failure report of an
    // attempt, or a late one of an attempt already moved to another server, is dropped instead
    // of moving the request again (and marking the next server down for the last one's failure)
    Transport.Call c = transport.open(request, route == null ? this : new Attempt(id), mayReuse);
    call = c;
    if (state.get() >= DONE) {
      c.abort(); // cancelled while opening: cancel() may have missed this call
      return;
    }
    armWatchdog(nextCheck(clock.nanoTime()));
    c.begin();
  }

  /**
   * Routes the exchange over several servers: the route picks the target when it starts, and
   * another one when a connection to the picked one cannot be made (the request never left, so
   * nothing is sent twice). Before {@link #start()}.
   *
   * @param route the route
   */
  public void route(Route route) {
    this.route = route;
  }

  private void target(Request next) {
    request = next;
    uri = next.uri();
    where = engine.secrets.redactUrl(uri.toString());
  }

  /**
   * Fails an exchange that never started (the stream limiter refused or timed it out, or the
   * client is closed).
   *
   * @param failure why
   */
  public void reject(LlamaException failure) {
    fail(failure);
  }

  /**
   * Sets what runs once when the exchange ends in any way; before {@link #start()}.
   *
   * Hooks add up: each runs once, in the order they were added (the client's set of open
   * exchanges, then the limiter's place).
   *
   * @param hook the hook (the limiter frees its place)
   */
  public void onTerminate(Runnable hook) {
    Runnable before = onTerminate;
    this.onTerminate =
        before == null
            ? hook
            : () -> {
              try {
                before.run();
              } finally {
                hook.run();
              }
            };
  }

  /**
   * Cancels: the connection is closed (so llama-server stops generating) and the sink gets a
   * {@link StreamCancelledException}. Any thread; idempotent; a completed exchange stays completed.
   */
  public void cancel() {
    if (moveTo(CANCELLED)) { // the connection is closed already: the exception is made after
      signal(new StreamCancelledException("the stream was cancelled by its consumer"), null);
    }
  }

  /**
   * Whether the exchange was cancelled.
   *
   * @return true once cancelled
   */
  public boolean isCancelled() {
    return state.get() == CANCELLED;
  }

  /**
   * Whether the exchange ended (completed, failed or cancelled).
   *
   * @return true once ended
   */
  public boolean isDone() {
    return state.get() >= DONE;
  }

  /**
   * The request's URI.
   *
   * @return the URI
   */
  public URI uri() {
    return uri;
  }

  /**
   * The request's affinity key ({@link Request#affinity()}).
   *
   * @return the key, or null
   */
  public @Nullable String affinity() {
    return request.affinity();
  }

  /**
   * The text decoded so far (for a cut stream's exception).
   *
   * @return the partial text, or "" for a collected body
   */
  public String partialText() {
    StreamDecoder<R> d = decoder;
    return d == null ? "" : d.partialText();
  }

  // ---------------------------------------------------------------- pulled driving

  /**
   * Whether the consuming thread drives this exchange ({@link #pump()}).
   *
   * @return true for a pulled transport
   */
  public boolean readsOnConsumer() {
    return transport.pulled();
  }

  /**
   * Whether {@link #pump()} has work now (started and not ended).
   *
   * @return true when a step would do something
   */
  public boolean pumpable() {
    int s = state.get();
    return s >= READY && s < DONE;
  }

  /**
   * For a sink that steps a pulled exchange on a thread of its own: whether a step should run now.
   * True to send, to read the head, to read a body being collected, and to read a streamed body
   * while the sink wants more; false once ended. Call on the stepping thread.
   *
   * @return true when the next {@link #pump()} should run now
   */
  public boolean stepWanted() {
    int s = state.get();
    return s >= READY && s < DONE && (s != BODY || collecting != null || sink.wantsMore());
  }

  /**
   * Sends the request now on the calling thread, if the exchange may start (a pulled face calls
   * this right after launching, so the request goes out before the face is returned).
   */
  public void sendNow() {
    if (transport.pulled() && state.get() == READY) {
      try {
        pump();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the exchange is cancelled; iterating says so
      }
    }
  }

  /**
   * One step on the consuming thread: connect and send, read the head, or read once. Events reach
   * the sink, flushed.
   *
   * @return false when there is nothing to do now (not started, or ended): wait for the sink
   * @throws InterruptedException when the thread was interrupted (the exchange is cancelled)
   */
  public boolean pump() throws InterruptedException {
    int s = state.get();
    if (s == READY) {
      open(true);
      s = state.get();
    }
    if (s < SENT || s >= DONE) {
      return false;
    }
    Transport.Call c = call;
    if (c == null) {
      return false;
    }
    stepSince = clock.nanoTime();
    try {
      c.step();
    } catch (InterruptedException e) {
      cancel();
      throw e;
    } finally {
      stepSince = 0;
      sink.flush();
    }
    return true;
  }

  // ---------------------------------------------------------------- receiving

  @Override
  public void head(int status, Map<String, List<String>> headers) {
    if (!state.compareAndSet(SENT, BODY)) {
      return;
    }
    this.status = status;
    this.headers = headers;
    lastActivity = clock.nanoTime();
    if (wire != null) {
      WireListener w = wire;
      safeWire(() -> w.onResponse(uri, status, headers, since()));
    }
    armWatchdog(nextCheck(lastActivity)); // from here on the idle limit applies, to error bodies too
    String type = first(headers, "content-type");
    if (!HttpErrors.isSuccess(status)) { // 3xx too (never followed), and statuses that are none
      String location = first(headers, "location");
      int limit = HttpErrors.bodyBytesFor(status, MAX_ERROR_BODY);
      Function<byte[], LlamaException> failure = body -> HttpErrors.failure(uri, status, body, location, engine.secrets);
      if (limit == 0) {
        fail(failure.apply(new byte[0])); // nothing of this body is wanted
        return;
      }
      collect(limit, failure);
    } else if (decoder != null && !type.isEmpty() && !type.startsWith("text/event-stream")) {
      collect(
          MAX_UNEXPECTED_BODY,
          body ->
              new LlamaProtocolException(
                  "expected text/event-stream from " + where + " but got HTTP " + status + " " + type,
                  SseParser.Lines.preview(body)));
    } else if (decoder == null) {
      collecting = new ByteArrayOutputStream();
    }
    demandOrPause();
  }

  private void collect(int limit, Function<byte[], LlamaException> failure) {
    collecting = new ByteArrayOutputStream();
    collectLimit = limit;
    collectedFailure = failure;
  }

  @Override
  public void body(byte[] buf, int off, int len) {
    if (state.get() != BODY) {
      return;
    }
    WireListener w = wire;
    if (w != null) {
      java.nio.ByteBuffer piece = java.nio.ByteBuffer.wrap(buf, off, len).asReadOnlyBuffer();
      safeWire(() -> w.onBody(uri, piece, since()));
    }
    if (!delivering) {
      // pushed: a read being handed on is not the server's silence; the clock is read once per
      // read, in delivered(), not per piece (a read holds about one piece per event)
      delivering = true;
    }
    ByteArrayOutputStream c = collecting;
    try {
      if (c != null) {
        int room = collectLimit - c.size();
        Function<byte[], LlamaException> f = collectedFailure;
        if (len > room && f == null) {
          throw new io.github.llamaclient.ResponseTooLargeException(collectLimit);
        }
        c.write(buf, off, Math.max(0, Math.min(len, room)));
        if (f != null && c.size() >= collectLimit) {
          fail(f.apply(c.toByteArray())); // enough: a body that never ends must not hold the exchange
        }
        return;
      }
      SseParser p = parser;
      if (p != null) {
        p.feed(buf, off, len);
      }
    } catch (LlamaException e) {
      sink.flush();
      fail(e);
    } catch (RuntimeException e) {
      sink.flush();
      fail(new LlamaException("failed to decode the reply from " + where + ": " + e, e));
    }
  }

  /** After a pushed read was handed on: read more if the consumer keeps up, else pause. */
  @Override
  public void delivered() {
    lastActivity = clock.nanoTime();
    delivering = false;
    sink.flush();
    if (state.get() == BODY) {
      demandOrPause();
    }
  }

  private void demandOrPause() {
    Transport.Call c = call;
    if (c == null || transport.pulled()) {
      return;
    }
    if (collecting != null || sink.wantsMore()) {
      c.demand();
      return;
    }
    paused = true;
    if (sink.wantsMore()) { // the consumer drained between wantsMore() and paused = true
      resume();
    }
  }

  /** Consumers call this (through the sink) after taking events. */
  void resume() {
    if (!paused || state.get() != BODY) {
      return;
    }
    synchronized (this) {
      if (!paused || !sink.wantsMore()) {
        return;
      }
      paused = false;
    }
    lastActivity = clock.nanoTime();
    Transport.Call c = call;
    if (c != null) {
      c.demand();
    }
  }

  @Override
  public void end() {
    if (state.get() != BODY) {
      return;
    }
    ByteArrayOutputStream c = collecting;
    try {
      if (c != null) {
        Function<byte[], LlamaException> f = collectedFailure;
        if (f != null) {
          fail(f.apply(c.toByteArray()));
        } else {
          Map<String, List<String>> h = headers;
          Function<Collected, R> result = collected;
          complete(result == null ? null : result.apply(new Collected(status, h == null ? Map.of() : h, c.toByteArray())), true);
        }
        return;
      }
      SseParser p = parser;
      StreamDecoder<R> d = decoder;
      if (p == null || d == null) {
        return;
      }
      if (p.finish()) { // the input ended inside an event, which is not dispatched
        sink.flush();
        fail(
            new StreamInterruptedException(
                "the stream from " + where + " ended in the middle of an SSE event", d.partialText(), null));
        return;
      }
      complete(d.finish(sawEnd), true);
    } catch (LlamaException e) {
      sink.flush();
      fail(e);
    } catch (RuntimeException e) {
      sink.flush();
      fail(new LlamaException("failed to decode the reply from " + where + ": " + e, e));
    }
  }

  @Override
  public void failed(Exception failure, boolean staleConnection) {
    int s = state.get();
    if (s >= DONE) {
      return;
    }
    if (s == SENT && mayResend(staleConnection)) {
      LOG.log(System.Logger.Level.DEBUG, () -> "sending " + where + " again on a new connection after " + failure);
      open(false); // pulled: the consumer's next step sends it
      return;
    }
    LlamaException mapped = mapFailure(failure);
    Route r = route;
    if (s == SENT && r != null && neverConnected(mapped)) {
      Request next;
      try {
        next = r.elsewhere(request, mapped);
      } catch (LlamaException e) {
        next = null;
        mapped = e;
      }
      if (next != null && state.get() == SENT) {
        String from = where;
        target(next);
        LOG.log(System.Logger.Level.DEBUG, () -> "sending to " + where + " instead: " + from + " could not be reached");
        attempts = 0;
        open(false);
        return;
      }
    }
    sink.flush();
    fail(mapped);
  }

  /** One attempt's receiver on a routed exchange: forwards while the attempt is current, and its failure once. */
  private final class Attempt implements Transport.Receiver {
    private final int number;
    private final java.util.concurrent.atomic.AtomicBoolean failedOnce = new java.util.concurrent.atomic.AtomicBoolean();

    Attempt(int number) {
      this.number = number;
    }

    private boolean current() {
      return attemptId == number;
    }

    @Override
    public void head(int status, Map<String, List<String>> headers) {
      if (current()) {
        Exchange.this.head(status, headers);
      }
    }

    @Override
    public void body(byte[] buf, int off, int len) {
      if (current()) {
        Exchange.this.body(buf, off, len);
      }
    }

    @Override
    public void delivered() {
      Exchange.this.delivered();
    }

    @Override
    public void end() {
      if (current()) {
        Exchange.this.end();
      }
    }

    @Override
    public void failed(Exception failure, boolean staleConnection) {
      if (current() && failedOnce.compareAndSet(false, true)) {
        Exchange.this.failed(failure, staleConnection);
      }
    }
  }

  /** Whether a failure says no connection was made, so the request never reached the server. */
  private static boolean neverConnected(LlamaException failure) {
    return failure instanceof LlamaConnectException || failure instanceof LlamaTimeoutException.Connect;
  }

  /**
   * The one retry rule, for both transports: at most one resend, before any response byte, never
   * after a cancel; and only when the request is harmless to repeat, or the facts say the server
   * had dropped a reused keep-alive connection (it failed within {@link #RESEND_WINDOW_NANOS} of
   * the send, with no byte of a response). Never decided from an exception's message.
   */
  private boolean mayResend(boolean staleConnection) {
    if (attempts != 1) {
      return false;
    }
    if (request.idempotent()) {
      return true;
    }
    return staleConnection && clock.nanoTime() - sentAt < RESEND_WINDOW_NANOS;
  }

  LlamaException mapFailure(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof LlamaException) {
      return (LlamaException) t;
    }
    if (t instanceof HttpConnectTimeoutException) {
      return new LlamaTimeoutException.Connect(where, engine.connectTimeout, t);
    }
    if (t instanceof HttpTimeoutException) {
      return new LlamaTimeoutException.ResponseHeaders(where, Duration.ofNanos(policy.responseNanos), t);
    }
    if (t instanceof ConnectException
        || t instanceof UnknownHostException
        || t instanceof NoRouteToHostException
        || t instanceof UnresolvedAddressException
        || t.getCause() instanceof ConnectException
        || t.getCause() instanceof UnresolvedAddressException) {
      return new LlamaConnectException(uri, t);
    }
    if (t instanceof IOException || state.get() == BODY) {
      String after = state.get() == BODY ? "broke" : "closed before any response";
      return new StreamInterruptedException("the connection to " + where + " " + after + ": " + t, partialText(), t);
    }
    return new LlamaException("request to " + where + " failed: " + t, t);
  }

  /**
   * The cause inside the JDK's wrappers.
   *
   * @param t a throwable
   * @return the cause of {@link CompletionException}s and {@link ExecutionException}s
   */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // ---------------------------------------------------------------- SSE and decoder output

  @Override
  public void onData(byte[] buf, int off, int len) {
    StreamDecoder<R> d = decoder;
    if (d == null || state.get() != BODY) {
      return;
    }
    if (d.decode(buf, off, len, this)) {
      sawEnd = true;
      // the end of the reply: llama-server closes the connection after it, so it is not kept
      complete(d.finish(true), false);
    }
  }

  @Override
  public void onLine(byte[] buf, int off, int len) {
    WireListener w = wire;
    if (w != null) {
      String line = engine.secrets.redact(new String(buf, off, len, StandardCharsets.UTF_8));
      safeWire(() -> w.onLine(uri, line, since()));
    }
  }

  @Override
  public void emit(ChatEvent event) {
    if (state.get() >= DONE) {
      return; // ended by an earlier event of the same chunk (a consumer's cancel): nothing more goes out
    }
    sink.event(event);
  }

  // ---------------------------------------------------------------- termination

  private void complete(@Nullable R result, boolean wholeBody) {
    if (!terminate(DONE, null, result)) {
      return;
    }
    Transport.Call c = call;
    if (c != null) {
      c.release(wholeBody && !request.stream());
    }
  }

  private void fail(LlamaException failure) {
    terminate(FAILED, failure, null);
  }

  /** Moves to a terminal state; the winner signals the sink once. */
  private boolean terminate(int to, @Nullable LlamaException unredacted, @Nullable R result) {
    if (!moveTo(to)) {
      return false;
    }
    signal(unredacted, result);
    return true;
  }

  /**
   * Moves to the terminal state {@code to} by compare-and-set. The one winner, when it failed or
   * cancelled, closes the connection before anything else (so llama-server stops generating as
   * early as possible), then must call {@link #signal} once.
   *
   * @return whether this call moved the state
   */
  private boolean moveTo(int to) {
    for (;;) {
      int s = state.get();
      if (s >= DONE) {
        return false;
      }
      if (state.compareAndSet(s, to)) {
        break;
      }
    }
    if (to != DONE) {
      Transport.Call c = call;
      if (c != null) {
        c.abort();
      }
    }
    return true;
  }

  /** The winner's part after {@link #moveTo}: the watchdog, the hook, the wire, the one terminal signal. */
  @SuppressWarnings("NullAway") // a null result only for collected exchanges without a mapper
  private void signal(@Nullable LlamaException unredacted, @Nullable R result) {
    LlamaException failure = unredacted == null ? null : engine.redactFailure.apply(unredacted); // a caller never sees a secret
    disarmWatchdog();
    Runnable h = onTerminate;
    if (h != null) {
      onTerminate = null;
      try {
        h.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "exchange termination hook failed", e);
      }
    }
    if (wire != null) {
      WireListener w = wire;
      safeWire(() -> w.onEnd(uri, since(), failure));
    }
    if (failure != null) {
      sink.fail(failure);
    } else {
      sink.complete(result);
    }
  }

  // ---------------------------------------------------------------- the watchdog

  private long nextCheck(long now) {
    return policy.nextCheck(state.get(), now, startedAt);
  }

  /** One check of the watchdog: the policy's verdict on the facts of now. */
  private void check() {
    int s = state.get();
    if (s >= DONE) {
      return;
    }
    long now = clock.nanoTime();
    long blocked = stepSince;
    Transport.Call c = call;
    if (blocked != 0 && c != null && !c.blockedInIo()) {
      blocked = 0; // decoding what it read: not waiting for the server
    }
    long verdict = policy.check(s, now, startedAt, sentAt, transport.pulled(), blocked, paused || delivering, lastActivity);
    if (verdict == TimeoutPolicy.TOTAL) {
      fail(new LlamaTimeoutException.Total(where, Duration.ofNanos(policy.totalNanos)));
    } else if (verdict == TimeoutPolicy.RESPONSE && c != null && c.waitingFor() != null) {
      // never connected: the client's own connects to this server took every place meanwhile
      fail(
          new LlamaTimeoutException.QueueWait(
              "the request to " + where + " waited for " + c.waitingFor() + " until the response timeout",
              Duration.ofNanos(policy.responseNanos)));
    } else if (verdict == TimeoutPolicy.RESPONSE) {
      fail(
          new LlamaTimeoutException.ResponseHeaders(
              where,
              Duration.ofNanos(policy.responseNanos),
              new java.net.SocketTimeoutException("no response headers within " + Duration.ofNanos(policy.responseNanos))));
    } else if (verdict == TimeoutPolicy.IDLE) {
      fail(new LlamaTimeoutException.Idle(where, Duration.ofNanos(policy.idleNanos)));
    } else {
      armWatchdog(verdict);
    }
  }

  private void armWatchdog(long nanos) {
    if (nanos == Long.MAX_VALUE || state.get() >= DONE) {
      return;
    }
    watchdog.arm(policy.clamp(nanos, clock.nanoTime(), startedAt), this::check, () -> state.get() >= DONE);
  }

  private void disarmWatchdog() {
    watchdog.disarm();
  }

  // ---------------------------------------------------------------- small things

  private Duration since() {
    return Duration.ofNanos(clock.nanoTime() - startedAt);
  }

  private Map<String, List<String>> redactedHeaders() {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    request
        .http()
        .headers()
        .map()
        .forEach((k, v) -> out.put(k, k.equalsIgnoreCase("authorization") ? redactedAuthorization(v) : v));
    return out;
  }

  private static List<String> redactedAuthorization(List<String> values) {
    String v = values.isEmpty() ? "" : values.get(0);
    int space = v.indexOf(' ');
    return List.of(space > 0 ? v.substring(0, space) + " ***" : "***"); // the scheme stays: "Bearer ***"
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0);
  }

  private static @Nullable WireListener forExchange(WireListener shared) {
    try {
      return shared.forExchange();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "wire listener failed", e);
      return null;
    }
  }

  private static void safeWire(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "wire listener failed", e);
    }
  }
}
