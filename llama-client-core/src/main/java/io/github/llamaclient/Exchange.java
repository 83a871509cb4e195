package io.github.llamaclient;

import io.github.llamaclient.internal.sse.SseParser;
import io.github.llamaclient.internal.http1.Http1Socket;
import io.github.llamaclient.internal.json.StreamDecoder;
import io.github.llamaclient.internal.json.HttpErrors;
import io.github.llamaclient.internal.exchange.Timer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * One streamed HTTP exchange: request out, bytes in, through the SSE parser and a decoder, into a
 * {@link Sink}. This is the one engine every face adapts.
 *
 * <p>Flow control: the body is requested one buffer list at a time, and the next is requested only
 * while the sink {@linkplain Sink#wantsMore() wants more}, so a slow consumer holds the server back
 * through TCP instead of filling memory. Timeouts: the response-headers limit is the request's
 * timeout; the idle limit is watched by {@link Timer} while bytes are awaited. Cancelling closes
 * the connection.
 */
final class Exchange<R> implements HttpResponse.BodyHandler<Void>, HttpResponse.BodySubscriber<Void>,
    SseParser.Listener, StreamDecoder.Out {

  /** The consumer side: one face. Producer-side methods are called serially. */
  abstract static class Sink<R> {
    @Nullable Exchange<R> exchange;

    /** A decoded event (producer thread). */
    abstract void event(ChatEvent event);

    /** The stream completed (producer thread, or any thread for early failures). */
    abstract void complete(R result);

    /** The stream failed; called at most once, and never after complete. */
    abstract void fail(LlamaException failure);

    /**
     * The producer finished handing over the events of one network read (producer thread): a sink
     * that batches publishes them now. Called before {@link #wantsMore()} is asked, and before a
     * terminal signal from the producer thread.
     */
    void flush() {}

    /** The exchange may start now: a consumer waiting to read it on its own thread should go on. */
    void startable() {}

    /** Whether the producer should read more now. Must be cheap and thread-safe. */
    abstract boolean wantsMore();

    /** Consumers call this after taking events, to resume a paused upstream. */
    final void consumed() {
      Exchange<R> e = exchange;
      if (e != null) {
        e.resume();
      }
    }
  }

  private static final System.Logger LOG = System.getLogger(Exchange.class.getName());
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final LlamaClient client;
  private final HttpRequest request;
  private final URI uri;
  private final StreamDecoder<R> decoder;
  private final Sink<R> sink;
  private final SseParser parser;
  private final @Nullable WireListener wire;
  private final long idleNanos;
  private long startNanos;

  private volatile Flow.@Nullable Subscription upstream;
  private volatile @Nullable CompletableFuture<HttpResponse<Void>> future;
  private volatile boolean paused;
  private volatile boolean finished; // complete or failed: the sink got its terminal signal
  private volatile boolean cancelled;
  private volatile long lastActivity;
  private volatile @Nullable ScheduledFuture<?> watchdog;
  private volatile @Nullable ScheduledFuture<?> drainTimer; // bounds reading the rest after the end
  private volatile boolean bodyEnded;
  private boolean sawEnd; // producer-only
  private volatile @Nullable Runnable onTerminate; // run once, when finished becomes true
  private int attempts;

  // reading on the consuming thread (see Http1Socket); unused otherwise
  private boolean direct;
  private volatile boolean startable; // the limiter (if any) let it start
  private volatile boolean opened; // connect and send were attempted (by the creating or the consuming thread)
  // the connection; whoever takes it out (the end, to pool it; a cancel, to close it) owns it
  private final java.util.concurrent.atomic.AtomicReference<@Nullable Http1Socket> socket =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile boolean headRead;
  private volatile long sentAt;
  private volatile boolean succeeded;
  private final Http1Socket.Body bodyOut = this::feedBody;
  private final java.util.concurrent.atomic.AtomicInteger watchGeneration = new java.util.concurrent.atomic.AtomicInteger();

  Exchange(LlamaClient client, HttpRequest request, StreamDecoder<R> decoder, Sink<R> sink) {
    this.client = client;
    this.request = request;
    this.uri = request.uri();
    this.decoder = decoder;
    this.sink = sink;
    this.wire = client.wireListener();
    this.parser = new SseParser(this, client.maxLineBytes(), wire != null);
    this.idleNanos = client.idleTimeout().toNanos();
    sink.exchange = this;
  }

  /** Sends the request. Failures reach the sink. */
  void start() {
    if (direct) {
      startable = true;
      sink.startable();
      return;
    }
    startNanos = System.nanoTime();
    attempts++;
    if (wire != null && attempts == 1) {
      safeWire(() -> wire.onRequest(request.method(), uri, client.redactedHeaders(request), client.bodyText(request)));
    }
    CompletableFuture<HttpResponse<Void>> f = client.http().sendAsync(request, this);
    future = f;
    if (cancelled) {
      f.cancel(true);
    }
    f.whenComplete(
        (response, error) -> {
          if (error != null) {
            onSendFailure(error);
          }
        });
  }

  private void onSendFailure(Throwable error) {
    Throwable t = unwrap(error);
    if (finished) {
      return;
    }
    if (cancelled || t instanceof CancellationException) {
      finish(new StreamCancelledException("the stream was cancelled before the response arrived"));
      return;
    }
    if (t instanceof LlamaException) {
      finish((LlamaException) t);
      return;
    }
    if (upstream == null && attempts == 1 && isStaleConnection(t)) {
      // llama-server drops idle keep-alive connections after 5 s; a pooled one may be dead
      LOG.log(System.Logger.Level.DEBUG, () -> "retrying " + uri + " once after " + t);
      start();
      return;
    }
    finish(mapFailure(t));
  }

  private static boolean isStaleConnection(Throwable t) {
    if (!(t instanceof IOException) || t instanceof HttpTimeoutException || t instanceof ConnectException) {
      return false;
    }
    String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("received no bytes")
        || m.contains("connection reset")
        || m.contains("closed")
        || m.contains("broken pipe")
        || m.contains("eof");
  }

  LlamaException mapFailure(Throwable t) {
    if (t instanceof LlamaException) {
      return (LlamaException) t;
    }
    if (t instanceof HttpConnectTimeoutException) {
      return new LlamaTimeoutException.Connect(uri.toString(), client.connectTimeout(), t);
    }
    if (t instanceof HttpTimeoutException) {
      return new LlamaTimeoutException.ResponseHeaders(uri.toString(), client.responseTimeout(), t);
    }
    if (t instanceof ConnectException
        || t instanceof UnknownHostException
        || t instanceof UnresolvedAddressException
        || t.getCause() instanceof ConnectException
        || t.getCause() instanceof UnresolvedAddressException) {
      return new LlamaConnectException(uri, t);
    }
    if (upstream != null || t instanceof IOException) {
      return new StreamInterruptedException(
          "the connection to " + uri + " broke: " + t, decoder.partialText(), t);
    }
    return new LlamaException("request to " + uri + " failed: " + t, t);
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // ---- BodyHandler

  @Override
  public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
    if (wire != null) {
      safeWire(() -> wire.onResponse(uri, info.statusCode(), info.headers().map(), since()));
    }
    // the idle limit also guards error and unexpected bodies: a server that sends headers and
    // then stalls must not hang the consumer
    lastActivity = System.nanoTime();
    armWatchdog(idleNanos);
    int status = info.statusCode();
    java.util.function.Function<byte[], LlamaException> failure =
        failureFor(status, info.headers().firstValue("content-type").orElse(""));
    if (failure != null) {
      return new CollectedBody(status >= 400 ? MAX_ERROR_BODY : 400, failure);
    }
    return this;
  }

  /** What a response that is not an event stream fails with (made from its body), or null. */
  private java.util.function.@Nullable Function<byte[], LlamaException> failureFor(int status, String type) {
    if (status >= 400) {
      return body -> HttpErrors.toException(uri, status, body);
    }
    if (!type.isEmpty() && !type.startsWith("text/event-stream")) {
      return body ->
          new LlamaProtocolException(
              "expected text/event-stream from " + uri + " but got HTTP " + status + " " + type,
              SseParser.Lines.preview(body));
    }
    return null;
  }

  // ---- BodySubscriber

  @Override
  public CompletionStage<Void> getBody() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    upstream = subscription;
    if (cancelled) {
      subscription.cancel();
      return;
    }
    subscription.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (cancelled || finished) {
      return;
    }
    lastActivity = System.nanoTime();
    try {
      for (ByteBuffer b : items) {
        parser.feed(b);
        if (finished) {
          break;
        }
      }
    } catch (LlamaException e) {
      sink.flush();
      failAndClose(e);
      return;
    } catch (RuntimeException e) {
      sink.flush();
      failAndClose(new LlamaException("failed to decode the stream from " + uri + ": " + e, e));
      return;
    }
    sink.flush();
    if (finished) {
      // the end was seen: read the rest so the connection can be reused, but no longer than the
      // idle limit, or a server that keeps the body open after [DONE] would hold the connection
      Flow.Subscription s = upstream;
      if (s != null && !cancelled) {
        s.request(Long.MAX_VALUE);
        if (!bodyEnded && drainTimer == null) {
          ScheduledFuture<?> t = Timer.schedule(() -> {
            if (!bodyEnded) {
              s.cancel();
            }
          }, idleNanos);
          drainTimer = t;
          if (bodyEnded || cancelled) { // ended or closed meanwhile: the timer has nothing to do
            t.cancel(false);
          }
        }
      }
      return;
    }
    requestOrPause();
  }

  private void requestOrPause() {
    Flow.Subscription s = upstream;
    if (s == null || cancelled) {
      return;
    }
    if (sink.wantsMore()) {
      s.request(1);
      return;
    }
    paused = true;
    // re-check: the consumer may have drained between wantsMore() and paused = true
    if (sink.wantsMore()) {
      resume();
    }
  }

  /** Called by consumers after taking events. */
  void resume() {
    if (!paused || cancelled || finished) {
      return;
    }
    synchronized (this) {
      if (!paused || !sink.wantsMore()) {
        return;
      }
      paused = false;
    }
    lastActivity = System.nanoTime();
    Flow.Subscription s = upstream;
    if (s != null) {
      s.request(1);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    bodyEnded();
    if (finished || cancelled) {
      return;
    }
    sink.flush();
    finish(mapFailure(unwrap(throwable)));
  }

  @Override
  public void onComplete() {
    bodyEnded();
    if (finished || cancelled) {
      return;
    }
    try {
      if (parser.finish()) { // an event without its blank line is never dispatched
        throw new StreamInterruptedException(
            "the stream from " + uri + " ended in the middle of an SSE event", decoder.partialText(), null);
      }
      if (!finished) {
        R result = decoder.finish(sawEnd);
        complete(result);
      }
    } catch (LlamaException e) {
      sink.flush();
      finish(e);
    }
  }

  private void bodyEnded() {
    bodyEnded = true;
    ScheduledFuture<?> t = drainTimer;
    if (t != null) {
      t.cancel(false);
    }
  }

  // ---- SSE listener and decoder output

  @Override
  public void onData(byte[] buf, int off, int len) {
    if (finished) {
      return;
    }
    if (decoder.decode(buf, off, len, this)) {
      sawEnd = true;
      complete(decoder.finish(true));
    }
  }

  @Override
  public void onLine(byte[] buf, int off, int len) {
    WireListener w = wire;
    if (w != null) {
      String line = new String(buf, off, len, StandardCharsets.UTF_8);
      safeWire(() -> w.onLine(uri, line, since()));
    }
  }

  @Override
  public void emit(ChatEvent event) {
    sink.event(event);
  }

  // ---- termination

  private void complete(R result) {
    synchronized (this) {
      if (finished) {
        return;
      }
      succeeded = true;
      finished = true;
    }
    terminated();
    disarmWatchdog();
    if (wire != null) {
      safeWire(() -> wire.onEnd(uri, since(), null));
    }
    sink.complete(result);
  }

  private void finish(LlamaException failure) {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
    }
    terminated();
    disarmWatchdog();
    if (wire != null) {
      safeWire(() -> wire.onEnd(uri, since(), failure));
    }
    sink.fail(failure);
  }

  private void failAndClose(LlamaException failure) {
    finish(failure);
    if (!succeeded) { // lost to a completion: the connection is being drained or pooled, leave it
      closeConnection();
    }
  }

  /** Sets what runs once when the exchange completes, fails or is cancelled; before start(). */
  void onTerminate(Runnable hook) {
    this.onTerminate = hook;
  }

  private void terminated() {
    if (direct) {
      client.directEnded(this);
    }
    Runnable h = onTerminate;
    if (h != null) {
      onTerminate = null;
      try {
        h.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "exchange termination hook failed", e);
      }
    }
  }

  /** Fails an exchange that was never started (the stream limiter refused or timed it out). */
  void reject(LlamaException failure) {
    finish(failure);
  }

  /** Cancels the exchange: the connection is closed, the sink gets a cancellation failure. */
  void cancel() {
    if (cancelled || succeeded) {
      // completed: what is left of the body is drained (within the idle limit) so the connection
      // can be reused; closing it now could close it after the HttpClient pooled it
      return;
    }
    cancelled = true;
    closeConnection();
    finish(new StreamCancelledException("the stream was cancelled by its consumer"));
  }

  URI uri() {
    return uri;
  }

  boolean isCancelled() {
    return cancelled;
  }

  private void closeConnection() {
    cancelled = true;
    disarmWatchdog();
    ScheduledFuture<?> t = drainTimer;
    if (t != null) {
      t.cancel(false);
    }
    Flow.Subscription s = upstream;
    if (s != null) {
      s.cancel();
    }
    Http1Socket so = socket.getAndSet(null);
    if (so != null) {
      so.close();
    }
    CompletableFuture<HttpResponse<Void>> f = future;
    if (f != null && !f.isDone()) {
      f.cancel(true);
    }
  }


  // ---- reading on the consuming thread

  /**
   * Makes this exchange read its response on the consuming thread over a plain socket ({@link
   * Http1Socket}) instead of through the HttpClient; before it is launched. Only for pulled
   * streams whose sink calls {@link #pump()}.
   */
  void readOnConsumer() {
    direct = true;
  }

  boolean readsOnConsumer() {
    return direct;
  }

  /** Whether {@link #pump()} has work now (started and not ended). */
  boolean pumpable() {
    return startable && !finished && !cancelled && (!opened || socket.get() != null);
  }

  /**
   * Connects and sends the request now, on the calling thread, if the exchange may start; the
   * face calls this right after launching, so the request goes out at once. Failures reach the sink.
   */
  void sendNow() {
    if (!direct || !startable || opened || finished) {
      return;
    }
    try {
      open(true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the exchange is cancelled; iterating says so
    }
  }

  /**
   * One step of the exchange on the consuming thread: connect and send, or read the head, or read
   * once and hand on what arrived. Blocks in that I/O; events reach the sink, flushed.
   *
   * @return false when there is nothing to do now (not started yet, or ended): wait for the sink
   * @throws InterruptedException when the thread was interrupted (the exchange is cancelled)
   */
  boolean pump() throws InterruptedException {
    if (finished || cancelled || !startable) {
      return false;
    }
    if (!opened) {
      open(true);
      return true;
    }
    Http1Socket so = socket.get();
    if (so == null) {
      return false; // ended meanwhile: the sink has (or is about to get) the terminal signal
    }
    try {
      if (!headRead) {
        readHead(so);
      } else if (!so.readBody(bodyOut)) {
        sink.flush();
        bodyEnded = true;
        onComplete();
      }
      sink.flush();
    } catch (IOException e) {
      if (!headRead && retryable(so, e)) {
        // llama-server drops idle keep-alive connections; this one went just as it was reused
        LOG.log(System.Logger.Level.DEBUG, () -> "retrying " + uri + " on a new connection after " + e);
        socket.compareAndSet(so, null);
        so.close();
        open(false);
        return true;
      }
      ioFailure(so, e);
    } catch (LlamaException e) {
      sink.flush();
      failAndClose(e);
    } catch (RuntimeException e) {
      sink.flush();
      failAndClose(new LlamaException("failed to decode the stream from " + uri + ": " + e, e));
    }
    if (finished) {
      release(so);
    }
    return true;
  }

  /**
   * The exchange ended: a connection that completed cleanly goes back to the pool (the rest of its
   * body, normally just the last chunk, is read when it is next taken), any other is closed.
   */
  private void release(Http1Socket so) {
    if (!socket.compareAndSet(so, null)) {
      return; // a cancel took it and closed it
    }
    disarmWatchdog();
    if (succeeded && !cancelled && so.keepAlive()) {
      client.directPool().give(so);
    } else {
      so.close();
    }
  }

  /**
   * Connects (or takes a pooled connection) and sends the request, on the calling thread.
   *
   * @param pooled whether a pooled connection may be used (not when retrying after one failed)
   */
  private void open(boolean pooled) throws InterruptedException {
    opened = true;
    if (attempts++ == 0) {
      startNanos = System.nanoTime();
      if (wire != null) {
        safeWire(() -> wire.onRequest(request.method(), uri, client.redactedHeaders(request), client.bodyText(request)));
      }
    }
    if (cancelled) {
      return;
    }
    Http1Socket so = pooled ? client.directPool().take(uri) : null;
    boolean connecting = so == null;
    try {
      if (so == null) {
        so = Http1Socket.open(uri);
      }
      socket.set(so);
      if (cancelled) { // cancelled meanwhile: closeConnection() may have missed the socket
        closeConnection();
        return;
      }
      if (connecting) {
        so.connect(uri, client.connectTimeout());
        connecting = false;
      }
      // the response limit covers sending the request and waiting for the head; it is checked
      // only while this thread is blocked in that I/O (checkDirect)
      sentAt = System.nanoTime();
      // one watchdog chain for the whole exchange, usually one timer task: it checks the head
      // phase and then the idle limit (checkDirect), at the idle limit's granularity at most
      armWatchdog(Math.min(client.responseTimeout().toNanos(), idleNanos));
      so.send(request, client.bodyBytes(request));
    } catch (java.net.SocketTimeoutException e) {
      closeQuietly(so);
      finish(new LlamaTimeoutException.Connect(uri.toString(), client.connectTimeout(), e));
    } catch (IOException e) {
      if (connecting && !(e instanceof java.nio.channels.ClosedByInterruptException) && !cancelled) {
        closeQuietly(so);
        finish(new LlamaConnectException(uri, e)); // refused, unknown host, unreachable
      } else if (so != null && retryable(so, e)) {
        LOG.log(System.Logger.Level.DEBUG, () -> "retrying " + uri + " on a new connection after " + e);
        socket.compareAndSet(so, null);
        so.close();
        open(false);
      } else {
        ioFailure(so, e);
      }
    } catch (IllegalArgumentException | SecurityException e) { // incl. UnresolvedAddressException
      closeQuietly(so);
      finish(new LlamaConnectException(uri, e));
    } catch (RuntimeException e) {
      closeQuietly(so);
      finish(new LlamaException("request to " + uri + " failed: " + e, e));
    }
  }

  /**
   * Whether a failure on a reused connection means the server had dropped it (llama-server closes
   * keep-alive connections idle for 5 s): nothing of a response came, soon after sending. A server
   * that took the request and died later is not asked again.
   */
  private boolean retryable(Http1Socket so, IOException e) {
    return so.reused()
        && !so.receivedAny()
        && !(e instanceof java.nio.channels.ClosedByInterruptException)
        && System.nanoTime() - sentAt < RETRY_WINDOW_NANOS
        && !cancelled
        && !finished;
  }

  private static final long RETRY_WINDOW_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  private void closeQuietly(@Nullable Http1Socket so) {
    if (so != null) {
      socket.compareAndSet(so, null);
      so.close();
    }
  }

  private void readHead(Http1Socket so) throws IOException {
    Http1Socket.Head head = so.readHead();
    headRead = true; // from here on the idle limit applies (checkDirect), to error bodies too
    int status = head.status;
    if (wire != null) {
      safeWire(() -> wire.onResponse(uri, status, head.headers, since()));
    }
    lastActivity = System.nanoTime();
    String type = head.first("content-type");
    java.util.function.Function<byte[], LlamaException> failure = failureFor(status, type);
    if (failure != null) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      int limit = status >= 400 ? MAX_ERROR_BODY : 400;
      try {
        while (so.readBody((b, off, len) -> bytes.write(b, off, Math.min(len, limit - bytes.size())))) {
          if (bytes.size() >= limit) {
            break;
          }
        }
      } catch (java.nio.channels.ClosedByInterruptException e) {
        throw e;
      } catch (IOException e) {
        // the body broke off: what arrived is what the error says
      }
      closeQuietly(so);
      finish(failure.apply(bytes.toByteArray()));
    }
  }

  private void feedBody(byte[] b, int off, int len) {
    if (!finished) {
      parser.feed(b, off, len);
    }
  }

  private void ioFailure(@Nullable Http1Socket so, IOException e) throws InterruptedException {
    closeQuietly(so);
    if (e instanceof java.nio.channels.ClosedByInterruptException) {
      Thread.interrupted(); // reported as InterruptedException; the cursor sets the flag again
      cancel();
      throw new InterruptedException("interrupted while reading " + uri);
    }
    if (finished || cancelled) {
      return; // closed by a cancel or by the watchdog, which reported why
    }
    sink.flush();
    finish(mapFailure(e));
  }

  /**
   * The watchdog of an exchange read on its consumer. The limits count only while the consuming
   * thread is blocked in I/O for this exchange: a consumer busy elsewhere (or not reading this
   * stream yet) is not a silent server. Once it waits, the response limit counts from when the
   * request was sent, the idle limit from when the read began.
   */
  private void checkDirect() {
    long now = System.nanoTime();
    Http1Socket so = socket.get();
    long since = so == null ? 0 : so.ioSince();
    if (!headRead) {
      long limit = client.responseTimeout().toNanos();
      long waited = now - sentAt;
      // a consumer that comes late finds the head already there (its read returns at once): the
      // limit fails it only once that read has been blocked for a moment (always, if it read from the start)
      long blocked = since == 0 ? 0 : now - since;
      long grace = Math.min(limit / 4, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100));
      if (since != 0 && waited >= limit && blocked < grace) {
        armWatchdog(grace - blocked + 1);
        return;
      }
      if (since != 0 && waited >= limit) {
        failAndClose(
            new LlamaTimeoutException.ResponseHeaders(
                uri.toString(),
                client.responseTimeout(),
                new java.net.SocketTimeoutException("no response headers within " + client.responseTimeout())));
      } else {
        // (the idle limit's granularity: the head may come meanwhile, and then the idle limit applies)
        armWatchdog(waited >= limit ? Math.min(limit, idleNanos) / 2 + 1 : Math.min(limit - waited, idleNanos));
      }
      return;
    }
    if (since == 0) {
      armWatchdog(idleNanos / 2 + 1); // the consumer is busy, not waiting for the server
      return;
    }
    long silent = now - since;
    if (silent >= idleNanos) {
      failAndClose(new LlamaTimeoutException.Idle(uri.toString(), client.idleTimeout()));
    } else {
      armWatchdog(idleNanos - silent);
    }
  }

  // ---- idle watchdog

  private void armWatchdog(long nanos) {
    if (finished || cancelled) {
      return;
    }
    // one chain at a time: arming again retires the chain armed before (its check does nothing)
    int generation = watchGeneration.incrementAndGet();
    ScheduledFuture<?> previous = watchdog;
    ScheduledFuture<?> w =
        Timer.schedule(
            () -> {
              if (watchGeneration.get() == generation) {
                checkIdle();
              }
            },
            nanos);
    watchdog = w;
    if (previous != null) {
      previous.cancel(false);
    }
    if (finished || cancelled) {
      w.cancel(false); // ended while scheduling: disarmWatchdog() may have missed this one
    }
  }

  private void disarmWatchdog() {
    watchGeneration.incrementAndGet(); // a task armed concurrently and not cancelled does nothing
    ScheduledFuture<?> w = watchdog;
    if (w != null) {
      w.cancel(false);
    }
  }

  private void checkIdle() {
    if (finished || cancelled) {
      return;
    }
    if (direct) {
      checkDirect();
      return;
    }
    if (paused) {
      armWatchdog(idleNanos); // the consumer is slow, not the server
      return;
    }
    long silent = System.nanoTime() - lastActivity;
    if (silent >= idleNanos) {
      failAndClose(new LlamaTimeoutException.Idle(uri.toString(), client.idleTimeout()));
    } else {
      armWatchdog(idleNanos - silent);
    }
  }

  private Duration since() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private void safeWire(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "wire listener failed", e);
    }
  }

  /**
   * Collects a body that is not an event stream (an HTTP error, an unexpected content type), up to
   * a bound, and ends the exchange with the failure made from it. The idle limit applies.
   */
  private final class CollectedBody implements HttpResponse.BodySubscriber<Void> {
    private final int limit;
    private final java.util.function.Function<byte[], LlamaException> failure;
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

    CollectedBody(int limit, java.util.function.Function<byte[], LlamaException> failure) {
      this.limit = limit;
      this.failure = failure;
    }

    @Override
    public CompletionStage<Void> getBody() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      upstream = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      lastActivity = System.nanoTime();
      for (ByteBuffer b : items) {
        int n = Math.min(b.remaining(), limit - bytes.size());
        if (n > 0) {
          byte[] a = new byte[n];
          b.get(a);
          bytes.write(a, 0, n);
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      onComplete();
    }

    @Override
    public void onComplete() {
      finish(failure.apply(bytes.toByteArray()));
    }
  }

}
