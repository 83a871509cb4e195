package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.json.StreamDecoder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The faces of one streaming endpoint, named the same on every facet that streams ({@link
 * LlamaClient#chat()}, {@link LlamaClient#completions()}, {@link CompletionsApi#openAi()}, {@link
 * CompletionsApi#infill()}, {@link ChatApi#responses()}, {@link ChatApi#messages()}): one
 * engine under all of them, so every face keeps the same contracts.
 *
 * <table>
 *   <caption>Faces</caption>
 *   <tr><th>face</th><th>method</th><th>who reads the connection</th></tr>
 *   <tr><td>answer text, pulled</td><td>{@link #textStream(Object)}: {@code Stream<String>}</td>
 *       <td>the consuming thread (plain {@code http:})</td></tr>
 *   <tr><td>typed events, pulled</td><td>{@link #stream(Object)}: {@link ChatStream} or
 *       {@link CompletionStream}</td><td>the consuming thread (plain {@code http:})</td></tr>
 *   <tr><td>Reactive Streams</td><td>{@link #textPublisher(Object)}, {@link #publisher(Object)}</td>
 *       <td>the client's reader threads (plain {@code http:}; a virtual thread per stream by
 *       choice) or {@code java.net.http}; signals on the delivery pool</td></tr>
 *   <tr><td>callbacks</td><td>{@link #subscribe(Object, StreamListener)}: a {@link StreamHandle}</td>
 *       <td>as for Reactive Streams; the listener on the delivery pool</td></tr>
 *   <tr><td>the whole reply</td><td>{@link #call(Object)} (blocking), {@link #callAsync(Object)}</td>
 *       <td>streamed underneath, so the idle timeout applies between tokens</td></tr>
 * </table>
 *
 * <p>Contracts of every face: closing, cancelling or interrupting closes the HTTP connection, so
 * llama-server stops generating; the connect, response-headers, idle and (optional) total limits
 * are enforced, each failing with its own {@link LlamaTimeoutException}; every failure is a {@link
 * LlamaException} subtype that says what happened; memory stays bounded ({@link
 * LlamaClientBuilder#maxLineBytes(int)}, {@link LlamaClientBuilder#maxResponseChars(int)}).
 *
 * <p>Thread-safe; the same object for the life of its client. Sealed: the facets are the only
 * implementations.
 *
 * @param <Q> the request
 * @param <S> the pulled event stream
 * @param <R> the whole reply
 */
public abstract sealed class StreamingApi<Q, S extends EventStream<R>, R> permits ChatApi, CompletionsApi, InfillApi, ResponsesApi, MessagesApi {
  final ClientContext context;
  private final Class<R> resultType;

  StreamingApi(ClientContext context, Class<R> resultType) {
    this.context = context;
    this.resultType = resultType;
  }

  /** The streamed HTTP request for {@code request}; throws IllegalArgumentException if it cannot be sent. */
  abstract Request streamed(Q request);

  /** A new decoder for one reply. */
  abstract StreamDecoder<R> decoder();

  /** The pulled stream over a started exchange. */
  abstract S pulled(PullSink<R> sink, Exchange<R> exchange);

  /**
   * Checks, before sending, what only the server's state can refuse (a chat's media against the
   * server's modalities); throws a LlamaException. Nothing by default.
   */
  void precheck(Q request) {}

  /** The precheck's refusal, or null: for the push faces, which report it through onError. */
  private @Nullable LlamaException refusal(Q request) {
    try {
      precheck(request);
      return null;
    } catch (LlamaException e) {
      return e;
    }
  }

  /** The event a Publisher of events ends with, or null for none. */
  abstract @Nullable ChatEvent lastEvent(R result);

  /**
   * The answer text, token by token, pulled by the calling thread: {@link ChatEvent.Content} only
   * (reasoning, tool calls and progress are left out: use {@link #stream(Object)} for those).
   *
   * <p>The request is sent at once (to a plain {@code http:} server, before this method returns:
   * see {@link LlamaClientBuilder#readOnConsumingThread(boolean)}). Close the stream
   * (try-with-resources) to stop early: the connection is closed and llama-server stops generating.
   * A stream read to its end needs no close, but closing is harmless. A stream dropped before its
   * end without close is closed once the garbage collector finds it unreachable (with a warning): a
   * safety net, not a way to close.
   *
   * @param request the request
   * @return the text pieces, in order; terminal operations throw {@link LlamaException} subtypes
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request cannot be sent (a completion without a prompt)
   */
  public Stream<String> textStream(Q request) {
    S events = stream(request);
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(new Texts(events.iterator()), Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(events::close);
  }

  /**
   * The reply as typed events, pulled by the calling thread; the request is sent at once (as
   * {@link #textStream(Object)} says). Close the stream to stop early.
   *
   * @param request the request
   * @return the event stream; the caller closes it
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request cannot be sent
   */
  public S stream(Q request) {
    Objects.requireNonNull(request, "request");
    Request http = streamed(request);
    precheck(request);
    PullSink<R> sink = new PullSink<>();
    Exchange<R> exchange = Exchange.streaming(context.engine(), http, context.engine().pulled(), decoder(), sink);
    context.launchPulled(exchange);
    return pulled(sink, exchange);
  }

  /**
   * The answer text as a cold {@link Flow.Publisher}: each subscription sends its own request, when
   * it subscribes. Honours {@code request(n)} (no more text pieces than requested; the connection is
   * read only while there is demand); {@code cancel()} closes the connection. {@code onSubscribe}
   * runs on the subscribing thread; every later signal on the client's delivery pool ({@link
   * LlamaClientBuilder#callbackThreads(int)}, or {@link
   * LlamaClientBuilder#callbackExecutor(java.util.concurrent.Executor)}), never concurrently. A slow
   * {@code onNext} holds back only this stream (and, through TCP, the server's writes). Failures
   * arrive as {@code onError} with a {@link LlamaException} subtype.
   *
   * @param request the request
   * @return the publisher
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request cannot be sent
   */
  public Flow.Publisher<String> textPublisher(Q request) {
    return publisher(request, e -> e instanceof ChatEvent.Content ? ((ChatEvent.Content) e).text() : null, r -> null);
  }

  /**
   * The reply as a cold {@link Flow.Publisher} of typed events, with the rules of {@link
   * #textPublisher(Object)}. A chat reply ends with {@link ChatEvent.Done}, which carries the {@link
   * ChatResult}; a completion's events end with its last piece (use {@link #subscribe(Object,
   * StreamListener)} or {@link #callAsync(Object)} for its {@link CompletionResult}).
   *
   * @param request the request
   * @return the publisher
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request cannot be sent
   */
  public Flow.Publisher<ChatEvent> publisher(Q request) {
    Function<R, @Nullable ChatEvent> last = this::lastEvent;
    return this.<ChatEvent>publisher(request, e -> e, last);
  }

  private <T> Flow.Publisher<T> publisher(
      Q request, Function<ChatEvent, @Nullable T> map, Function<R, @Nullable T> last) {
    Objects.requireNonNull(request, "request");
    Request http = streamed(request); // checked now, sent per subscription
    return subscriber -> PushSink.subscribe(context, http, decoder(), subscriber, map, last, refusal(request));
  }

  /**
   * Streams the reply to a listener. The request is sent at once (or when the stream limit,
   * {@link LlamaClientBuilder#maxConcurrentStreams(int)}, admits it); the listener runs on the client's
   * callback executor, one call after another; a slow listener holds back only its own stream.
   * Exactly one of {@code onComplete} and {@code onError} is called, unless the stream is cancelled
   * through the handle first. A listener method that throws cancels the stream and is reported to
   * {@code onError}.
   *
   * @param request the request
   * @param listener receives the events, then the result or the failure
   * @return a handle to cancel the stream or wait for its result
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the request cannot be sent
   */
  public StreamHandle<R> subscribe(Q request, StreamListener<? super R> listener) {
    Objects.requireNonNull(request, "request");
    CallbackSubscriber<R> subscriber = new CallbackSubscriber<>(Objects.requireNonNull(listener, "listener"), resultType);
    Request http = streamed(request);
    PushSink.subscribe(context, http, decoder(), subscriber, e -> e, CallbackSubscriber.End::new, refusal(request));
    return subscriber;
  }

  /**
   * Sends the request and waits for the whole reply. The reply is streamed underneath, so the idle
   * timeout applies between tokens, and interrupting the waiting thread stops generation.
   *
   * @param request the request
   * @return the reply
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request cannot be sent
   * @throws LlamaException a subtype saying what failed; {@link StreamCancelledException} if the
   *     thread was interrupted (its interrupt flag is set again)
   */
  public R call(Q request) {
    try (S s = stream(request)) {
      return s.result();
    }
  }

  /**
   * Sends the request; the future completes with the whole reply (on the callback executor), or
   * exceptionally with a {@link LlamaException}. Cancelling the future closes the connection.
   *
   * @param request the request
   * @return the future reply
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request cannot be sent
   */
  public CompletableFuture<R> callAsync(Q request) {
    return subscribe(
            request,
            new StreamListener<R>() {
              @Override
              public void onEvent(ChatEvent event) {}

              @Override
              public void onError(LlamaException error) {} // the future carries it
            })
        .result();
  }

  /** Content texts of an event iterator. */
  private static final class Texts implements Iterator<String> {
    private final Iterator<ChatEvent> events;
    private @Nullable String next;

    Texts(Iterator<ChatEvent> events) {
      this.events = events;
    }

    @Override
    public boolean hasNext() {
      while (next == null && events.hasNext()) {
        ChatEvent e = events.next();
        if (e instanceof ChatEvent.Content) {
          next = ((ChatEvent.Content) e).text();
        }
      }
      return next != null;
    }

    @Override
    public String next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      String s = Objects.requireNonNull(next, "hasNext() set it");
      next = null;
      return s;
    }
  }
}
