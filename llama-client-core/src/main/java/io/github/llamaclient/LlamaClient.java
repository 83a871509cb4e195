package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.Engine;
import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import io.github.llamaclient.internal.http1.Http1Transport;
import io.github.llamaclient.internal.jdk.JdkTransport;
import io.github.llamaclient.internal.exchange.Secrets;
import io.github.llamaclient.internal.json.Json;
import io.github.llamaclient.internal.json.Replies;
import io.github.llamaclient.internal.json.ChatChunkDecoder;
import io.github.llamaclient.internal.json.CompletionDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A client for one llama-server. Immutable and thread-safe: build one and share it.
 *
 * <p>One streaming engine serves several faces of the same reply:
 *
 * <ul>
 *   <li>{@link #generateStream(ChatRequest)}: the answer text as a {@code Stream<String>}, pulled
 *       by the calling thread;
 *   <li>{@link #generatePublisher(ChatRequest)} and {@link #eventPublisher(ChatRequest)}: a {@link
 *       Flow.Publisher} driven by {@code request(n)};
 *   <li>{@link #stream(ChatRequest)}: typed {@link ChatEvent}s with the final {@link ChatResult};
 *   <li>{@link #generateStream(ChatRequest, Consumer, Consumer, Consumer)}: callbacks, with a
 *       {@link StreamHandle} to cancel;
 *   <li>{@link #chat(ChatRequest)} and {@link #chatAsync(ChatRequest)}: the whole reply.
 * </ul>
 *
 * <p>Contracts of every face: closing or cancelling closes the HTTP connection, so llama-server
 * stops generating; the connect, response-headers and idle limits are enforced and each has its
 * own {@link LlamaTimeoutException}; every failure is a {@link LlamaException} subtype that says
 * what happened; memory stays bounded ({@link Builder#maxLineBytes(int)}, {@link
 * Builder#maxResponseChars(int)}); the API key and the credentials of the base URL never appear in
 * {@code toString()}, exceptions or logs, not even where a message quotes what the server sent back
 * ({@code ***} stands in for them).
 *
 * <p>Close the client ({@link #close()}) to release the threads of an HTTP client it built itself;
 * a client built over your own {@link HttpClient} leaves that to you.
 */
public final class LlamaClient implements AutoCloseable {

  /** The longest a GET of the server's state (health, props, slots, models, metrics) waits for its head. */
  private static final Duration SMALL_GET_LIMIT = Duration.ofSeconds(30);

  /** The default server address, {@code http://localhost:8080}. */
  public static final URI DEFAULT_BASE_URL = URI.create("http://localhost:8080");

  private final URI baseUrl; // without credentials
  private final @Nullable String authorization; // the Authorization header value
  private final Secrets secrets;
  private final HttpClient http;
  private final @Nullable ExecutorService ownCallbackExecutor;
  private final java.util.concurrent.Executor callbackExecutor;

  /** Runs tasks on the calling thread: the HTTP client's own I/O thread, or a consumer's. */
  private static final java.util.concurrent.Executor DIRECT = Runnable::run;
  private final boolean ownsHttp;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Duration idleTimeout;
  private final int maxLineBytes;
  private final boolean readOnConsumingThread;
  /** Exchanges open now: close() cancels them. */
  private final java.util.Set<Exchange<?>> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Engine engine;
  private volatile boolean closed;
  private final int maxResponseChars;
  private final @Nullable WireListener wireListener;
  private final ClientDefaults defaults;
  private final @Nullable StreamLimiter limiter;

  private LlamaClient(Builder b) {
    this.baseUrl = b.baseUrl;
    String key = b.apiKey;
    Credentials basic = b.credentials;
    if (key != null) {
      this.authorization = "Bearer " + key;
      this.secrets = Secrets.of(key);
    } else if (basic != null) {
      this.authorization = basic.header();
      this.secrets = basic.secrets();
    } else {
      this.authorization = null;
      this.secrets = Secrets.NONE;
    }
    this.connectTimeout = b.connectTimeout;
    this.responseTimeout = b.responseTimeout;
    this.idleTimeout = b.idleTimeout;
    this.maxLineBytes = b.maxLineBytes;
    this.readOnConsumingThread = b.readOnConsumingThread && b.http == null;
    this.maxResponseChars = b.maxResponseChars;
    this.wireListener = b.wireListener;
    this.defaults =
        new ClientDefaults(b.defaultModel, b.defaultMaxTokens, b.defaultTemperature, Map.copyOf(b.defaultParameters));
    if (b.maxConcurrentStreams > 0) {
      int max = b.maxConcurrentStreams;
      this.limiter = new StreamLimiter(b.clock, () -> max, b.maxQueuedStreams, b.queueTimeout);
    } else if (b.concurrencyFromServerSlots) {
      this.limiter = new StreamLimiter(b.clock, () -> props().totalSlots(), b.maxQueuedStreams, b.queueTimeout);
    } else {
      this.limiter = null;
    }
    if (b.callbackExecutor != null) {
      this.callbackExecutor = b.callbackExecutor;
      this.ownCallbackExecutor = null;
    } else {
      this.ownCallbackExecutor = Executors.newCachedThreadPool(new DaemonFactory("callback"));
      this.callbackExecutor = ownCallbackExecutor;
    }
    if (b.http != null) {
      this.http = b.http;
      this.ownsHttp = false;
    } else {
      // No executor hand-off: the HTTP client's selector thread parses and decodes the body
      // itself (the engine never blocks there), which saves a thread wake-up per network read.
      // User code never runs there: push faces deliver on the callback executor.
      this.http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(connectTimeout)
              .executor(DIRECT)
              .build();
      this.ownsHttp = true;
    }
    Transport pushed = new JdkTransport(http);
    Transport pulled = readOnConsumingThread && readsOnConsumer(baseUrl) ? new Http1Transport(connectTimeout, b.clock) : pushed;
    this.engine =
        new Engine(
            b.clock, connectTimeout, responseTimeout, idleTimeout, b.totalTimeout, maxLineBytes, wireListener, pulled, pushed,
            secrets,
            failure -> failure.redactedWith(secrets));
  }

  /**
   * A builder for a client that creates its own {@link HttpClient} (HTTP/1.1, the builder's
   * connect timeout).
   *
   * @return a builder with the defaults: {@code http://localhost:8080}, connect timeout 5 s,
   *     response timeout 10 min, idle timeout 60 s
   */
  public static Builder builder() {
    return new Builder(null);
  }

  /**
   * A builder for a client over your own {@link HttpClient}. Its connect timeout, proxy, TLS and
   * executor apply. Requests are sent as HTTP/1.1 whatever the client's default version, since
   * llama-server does not speak HTTP/2 (an h2c upgrade attempt would be wasted).
   *
   * <p>Keep its redirect policy at the default, {@link HttpClient.Redirect#NEVER}: an {@code
   * HttpClient} that follows redirects sends the {@code Authorization} header (the API key, or the
   * base URL's credentials) on to whatever host a redirect names. This client itself never follows
   * one: a 3xx fails with {@link LlamaHttpException}.
   *
   * @param httpClient the client to send requests with; not closed by {@link #close()}
   * @return a builder
   * @throws NullPointerException if {@code httpClient} is null
   */
  public static Builder builder(HttpClient httpClient) {
    return new Builder(Objects.requireNonNull(httpClient, "httpClient"));
  }

  /**
   * A client with all defaults: {@code http://localhost:8080}, no API key.
   *
   * @return the client
   */
  public static LlamaClient create() {
    return builder().build();
  }

  /**
   * A client configured from environment variables: {@code LLAMA_SERVER_URL} (or {@code
   * LLM_SERVER_URL}), {@code LLAMA_API_KEY} (or {@code LLM_API_KEY}), {@code LLM_TIMEOUT} (seconds,
   * used as the response and idle timeouts), {@code LLM_TEMPERATURE} and {@code LLM_MAX_TOKENS}
   * (request defaults). Unset variables keep the builder's defaults.
   *
   * @return the client
   * @throws IllegalArgumentException if a variable is set to a bad value (the message names it,
   *     never the key)
   * @throws IllegalStateException if the URL has credentials and a key is set too (see {@link
   *     Builder#build()})
   */
  public static LlamaClient fromEnv() {
    return builderFromEnv(System.getenv()).build();
  }

  /**
   * A builder preset from the given variables, as {@link #fromEnv()} reads them; set more on it
   * before building.
   *
   * @param env the variables, for example {@code System.getenv()}
   * @return the builder
   * @throws NullPointerException if {@code env} is null
   * @throws IllegalArgumentException if a variable is set to a bad value (the message names it,
   *     never the key)
   */
  public static Builder builderFromEnv(Map<String, String> env) {
    Builder b = builder();
    String url = first(env, "LLAMA_SERVER_URL", "LLM_SERVER_URL");
    if (url != null) {
      try {
        b.baseUrl(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLAMA_SERVER_URL/LLM_SERVER_URL: " + e.getMessage(), e);
      }
    }
    String key = first(env, "LLAMA_API_KEY", "LLM_API_KEY");
    if (key != null) {
      try {
        b.apiKey(key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLAMA_API_KEY/LLM_API_KEY: " + e.getMessage(), e);
      }
    }
    String timeout = first(env, "LLM_TIMEOUT");
    if (timeout != null) {
      Duration d;
      try {
        d = Duration.ofMillis(Math.round(Double.parseDouble(timeout) * 1000));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("LLM_TIMEOUT must be a number of seconds, was '" + timeout + "'", e);
      }
      try {
        b.responseTimeout(d).idleTimeout(d);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLM_TIMEOUT: " + e.getMessage(), e);
      }
    }
    String temperature = first(env, "LLM_TEMPERATURE");
    if (temperature != null) {
      try {
        b.defaultTemperature(Double.parseDouble(temperature));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLM_TEMPERATURE must be a number from 0 to 100, was '" + temperature + "'", e);
      }
    }
    String maxTokens = first(env, "LLM_MAX_TOKENS");
    if (maxTokens != null) {
      try {
        b.defaultMaxTokens(Integer.parseInt(maxTokens));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLM_MAX_TOKENS must be a whole number, -1 or more, was '" + maxTokens + "'", e);
      }
    }
    return b;
  }

  private static @Nullable String first(Map<String, String> env, String... names) {
    for (String n : names) {
      String v = env.get(n);
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- faces

  /**
   * Streams the answer text of a chat reply, token by token, pulled by the calling thread. Reasoning,
   * tool calls and progress are left out: use {@link #stream(ChatRequest)} for those.
   *
   * <p>Reasoning: with a thinking model, llama-server sends the thinking as {@code
   * reasoning_content}, apart from the answer, so this stream yields only the answer. To get the
   * thinking, iterate {@link #stream(ChatRequest)} and take the {@link ChatEvent.Reasoning} events
   * (or read {@link ChatResult#reasoning()} at the end); to have the thinking inline in this text
   * instead, send {@link ChatRequest.Builder#reasoningFormat(String) reasoningFormat("none")}; to
   * turn thinking off where the template allows it, {@link
   * ChatRequest.Builder#enableThinking(boolean) enableThinking(false)}.
   *
   * <p>The request is sent at once (to a plain {@code http:} server, before this method returns:
   * see {@link Builder#readOnConsumingThread(boolean)}). Close the stream (try-with-resources) to
   * stop early: the connection is closed and llama-server stops generating. A stream read to its
   * end needs no close, but closing is harmless. A stream dropped before its end without close is
   * closed once the garbage collector finds it unreachable (with a warning): a safety net, not a
   * way to close.
   *
   * @param request the request
   * @return the text pieces, in order; terminal operations throw {@link LlamaException} subtypes
   */
  public Stream<String> generateStream(ChatRequest request) {
    ChatStream events = stream(request);
    Iterator it = new Iterator(events.iterator());
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(events::close);
  }

  /** Content texts of an event iterator. */
  private static final class Iterator implements java.util.Iterator<String> {
    private final java.util.Iterator<ChatEvent> events;
    private @Nullable String next;

    Iterator(java.util.Iterator<ChatEvent> events) {
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
        throw new java.util.NoSuchElementException();
      }
      String s = Objects.requireNonNull(next, "hasNext() set it");
      next = null;
      return s;
    }
  }

  /**
   * Streams a chat reply as typed events, pulled by the calling thread. The request is sent at
   * once (to a plain {@code http:} server, before this method returns, and the consuming thread
   * reads the connection itself: see {@link Builder#readOnConsumingThread(boolean)}); close the
   * returned stream to stop early.
   *
   * @param request the request
   * @return the event stream; the caller closes it
   */
  public ChatStream stream(ChatRequest request) {
    PullSink<ChatResult> sink = new PullSink<>();
    Exchange<ChatResult> exchange = newChatExchange(request, sink);
    launchPulled(exchange);
    return new ChatStream(sink, exchange);
  }

  /**
   * The answer text as a cold {@link Flow.Publisher}: each subscription sends its own request, when
   * it subscribes. Honours {@code request(n)} (no more text pieces than requested; the connection
   * is read only while there is demand); {@code cancel()} closes the connection. {@code
   * onSubscribe} runs on the subscribing thread; every later signal on the client's callback
   * executor ({@link Builder#callbackExecutor(java.util.concurrent.Executor)}), never concurrently.
   * A slow {@code onNext} holds back only this stream (and, through TCP, the server's writes).
   * Failures arrive as {@code onError} with a {@link LlamaException} subtype.
   *
   * @param request the request
   * @return the publisher
   */
  public Flow.Publisher<String> generatePublisher(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    return subscriber ->
        PushSink.subscribe(
            this,
            chatHttpRequest(request, true),
            newChatDecoder(),
            subscriber,
            e -> e instanceof ChatEvent.Content ? ((ChatEvent.Content) e).text() : null,
            r -> null);
  }

  /**
   * The reply as a cold {@link Flow.Publisher} of typed events, ending with {@link
   * ChatEvent.Done}. Same rules as {@link #generatePublisher(ChatRequest)}.
   *
   * @param request the request
   * @return the publisher
   */
  public Flow.Publisher<ChatEvent> eventPublisher(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    return subscriber ->
        PushSink.subscribe(
            this,
            chatHttpRequest(request, true),
            newChatDecoder(),
            subscriber,
            Function.identity(),
            ChatEvent.Done::new);
  }

  /**
   * Streams the answer text to callbacks. The request is sent at once; the callbacks run on the
   * client's callback executor ({@link Builder#callbackExecutor(java.util.concurrent.Executor)}),
   * one after another; a slow callback holds back only its own stream. Exactly one of {@code
   * onComplete} and {@code onError} is called, unless the stream is cancelled through the handle
   * first. A callback that throws cancels the stream and is reported to {@code onError}.
   *
   * @param request the request
   * @param onChunk receives each piece of answer text
   * @param onComplete receives the whole reply at the end
   * @param onError receives the failure
   * @return a handle to cancel the stream or wait for its result
   */
  public StreamHandle generateStream(
      ChatRequest request,
      Consumer<? super String> onChunk,
      Consumer<? super ChatResult> onComplete,
      Consumer<? super LlamaException> onError) {
    Objects.requireNonNull(onChunk, "onChunk");
    return stream(
        request,
        e -> {
          if (e instanceof ChatEvent.Content) {
            onChunk.accept(((ChatEvent.Content) e).text());
          }
        },
        onComplete,
        onError);
  }

  /**
   * Streams typed events to callbacks; as {@link #generateStream(ChatRequest, Consumer, Consumer,
   * Consumer)} but with every event (the {@link ChatEvent.Done} event is not passed to {@code
   * onEvent}: the result goes to {@code onComplete}).
   *
   * @param request the request
   * @param onEvent receives each event
   * @param onComplete receives the whole reply at the end
   * @param onError receives the failure
   * @return a handle to cancel the stream or wait for its result
   */
  public StreamHandle stream(
      ChatRequest request,
      Consumer<? super ChatEvent> onEvent,
      Consumer<? super ChatResult> onComplete,
      Consumer<? super LlamaException> onError) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(onEvent, "onEvent");
    Objects.requireNonNull(onComplete, "onComplete");
    Objects.requireNonNull(onError, "onError");
    return StreamHandle.subscribe(eventPublisher(request), onEvent, onComplete, onError);
  }

  /**
   * Sends a chat request and waits for the whole reply. The reply is streamed underneath, so the
   * idle timeout applies between tokens and interrupting the waiting thread stops generation.
   *
   * @param request the request
   * @return the reply
   * @throws LlamaException a subtype saying what failed; {@link StreamCancelledException} if the
   *     thread was interrupted (its interrupt flag is set again)
   */
  public ChatResult chat(ChatRequest request) {
    try (ChatStream s = stream(request)) {
      return s.result();
    }
  }

  /**
   * Sends a chat request; the future completes with the whole reply, or exceptionally with a
   * {@link LlamaException}. Cancelling the future closes the connection.
   *
   * @param request the request
   * @return the future reply
   */
  public CompletableFuture<ChatResult> chatAsync(ChatRequest request) {
    return stream(request, e -> {}, r -> {}, e -> {}).result();
  }

  /**
   * Sends a chat request with {@code stream:false} and reads the single JSON reply ({@code POST
   * /v1/chat/completions}): {@code message.content}, {@code reasoning_content}, {@code tool_calls},
   * {@code finish_reason}, {@code usage} (always present here) and {@code timings}. Unlike {@link
   * #chat(ChatRequest)}, nothing arrives until generation ends, so the response timeout covers the
   * whole generation and the idle timeout does not apply; the client's stream limit ({@link
   * Builder#maxConcurrentStreams(int)}) does not count it. Interrupting the thread cancels the
   * request, and llama-server stops generating.
   *
   * @param request the request
   * @return the reply
   * @throws LlamaException a subtype saying what failed
   */
  public ChatResult chatNonStreaming(ChatRequest request) {
    return JsonCall.json(this, chatHttpRequest(request, false), Replies::chat);
  }

  /**
   * Runs a tool loop with default settings: see {@link ToolLoop}. Needs llama-server with {@code
   * --jinja}.
   *
   * @param request the first request, offering tools
   * @param executor runs each call, on this thread
   * @param maxRounds the most replies to stream, 1 or more
   * @return the last reply and the whole conversation
   * @throws ToolRoundsExceededException if the last allowed reply still calls tools
   * @throws LlamaException if a stream fails
   */
  public ToolLoopResult runTools(ChatRequest request, ToolExecutor executor, int maxRounds) {
    return ToolLoop.builder(this).executor(executor).maxRounds(maxRounds).build().run(request);
  }

  // ---------------------------------------------------------------- small endpoints

  /**
   * Whether the server has loaded its model: {@code GET /health} answers 200 (503 while loading).
   *
   * @return true if ready, false while the model loads
   * @throws LlamaConnectException if nothing answers
   * @throws LlamaException another failure
   */
  public boolean isReady() {
    try {
      JsonCall.call(this, get("/health"));
      return true;
    } catch (LlamaHttpException e) {
      if (e.statusCode() == 503) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Waits until the server has loaded its model, polling {@code GET /health} (a 503 "Loading model"
   * means wait; so does a refused connection, while the server starts).
   *
   * @param timeout the longest wait
   * @throws LlamaTimeoutException.NotReady if the server is not ready in time
   * @throws StreamCancelledException if the thread is interrupted (its flag is set again)
   * @throws LlamaException another failure, such as 401
   */
  public void awaitReady(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 50;
    String state = "no answer yet";
    while (true) {
      try {
        if (isReady()) {
          return;
        }
        state = "503 Loading model";
      } catch (LlamaConnectException e) {
        state = "connection refused";
      } catch (LlamaTimeoutException e) {
        state = String.valueOf(e.getMessage()); // never null: every LlamaTimeoutException has a message
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new LlamaTimeoutException.NotReady(baseUrl.toString(), timeout, state);
      }
      try {
        Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StreamCancelledException("interrupted while waiting for llama-server to become ready");
      }
      pause = Math.min(pause * 2, 1000);
    }
  }

  /**
   * Tokenizes text with the model's vocabulary ({@code POST /tokenize}, {@code with_pieces}).
   * Special tokens are parsed but not added ({@code add_special:false}).
   *
   * @param content the text
   * @return the tokens with their pieces
   * @throws LlamaException on failure
   */
  public List<Token> tokenize(String content) {
    Objects.requireNonNull(content, "content");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("content", content);
    body.put("with_pieces", true);
    return JsonCall.json(
        this,
        post("/tokenize", Json.bytes(body), false, true),
        node -> {
          List<Token> out = new java.util.ArrayList<>();
          for (com.fasterxml.jackson.databind.JsonNode t : node.get("tokens")) {
            if (t.isInt()) {
              out.add(new Token(t.asInt(), null, false));
              continue;
            }
            com.fasterxml.jackson.databind.JsonNode piece = t.get("piece");
            if (piece != null && piece.isArray()) {
              StringBuilder sb = new StringBuilder();
              piece.forEach(b -> sb.append((char) (b.asInt() & 0xff)));
              out.add(new Token(t.get("id").asInt(), sb.toString(), true));
            } else {
              out.add(new Token(t.get("id").asInt(), piece == null ? null : piece.asText(), false));
            }
          }
          return List.copyOf(out);
        });
  }

  /**
   * Counts the tokens of a text ({@code POST /tokenize} without pieces).
   *
   * @param content the text
   * @return the token count
   * @throws LlamaException on failure
   */
  public int countTokens(String content) {
    Objects.requireNonNull(content, "content");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("content", content);
    return JsonCall.json(this, post("/tokenize", Json.bytes(body), false, true), node -> node.get("tokens").size());
  }

  /**
   * Turns token ids back into text ({@code POST /detokenize}).
   *
   * @param tokens the token ids
   * @return the text
   * @throws LlamaException on failure
   */
  public String detokenize(List<Integer> tokens) {
    Objects.requireNonNull(tokens, "tokens");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tokens", List.copyOf(tokens));
    return JsonCall.json(this, post("/detokenize", Json.bytes(body), false, true), node -> node.get("content").asText());
  }

  /**
   * Renders messages through the model's chat template without generating ({@code POST
   * /apply-template}): the exact prompt the model would see.
   *
   * @param messages the messages
   * @return the rendered prompt
   * @throws LlamaException on failure
   */
  public String applyTemplate(List<ChatMessage> messages) {
    Objects.requireNonNull(messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("applyTemplate needs at least one message");
    }
    ChatRequest request = ChatRequest.builder().messages(messages).build();
    return applyTemplate(request);
  }

  /**
   * Renders a chat request through the model's chat template without generating ({@code POST
   * /apply-template}).
   *
   * @param request the request (its messages, tools and template options count)
   * @return the rendered prompt
   * @throws LlamaException on failure
   */
  public String applyTemplate(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    return JsonCall.json(
        this,
        post("/apply-template", RequestJson.templateBody(request), false, true),
        node -> node.get("prompt").asText());
  }

  /**
   * The server's properties ({@code GET /props}): context size, slot count, chat template,
   * modalities. Needs the API key when the server has one.
   *
   * @return the properties
   * @throws LlamaException on failure
   */
  public ServerProps props() {
    return JsonCall.json(
        this,
        get("/props"),
        n ->
            new ServerProps(
                n.path("default_generation_settings").path("n_ctx").asInt(0),
                n.path("total_slots").asInt(0),
                n.path("model_alias").asText(""),
                n.path("model_path").asText(""),
                n.path("chat_template").asText(""),
                n.path("modalities").path("vision").asBoolean(false),
                n.path("modalities").path("audio").asBoolean(false),
                n.hasNonNull("build_info") ? n.get("build_info").asText() : null,
                n.path("is_sleeping").asBoolean(false),
                n.toString()));
  }

  /**
   * Saves a slot's prompt cache to a file on the server ({@code POST /slots/{id}?action=save};
   * needs {@code --slot-save-path}, else {@link NotSupportedException}).
   *
   * @param slotId the slot
   * @param filename a plain file name, kept under the server's slot-save path
   * @return what was saved
   * @throws LlamaException on failure
   */
  public SlotSaveResult saveSlot(int slotId, String filename) {
    checkSlot(slotId, filename);
    return JsonCall.json(
        this,
        post("/slots/" + slotId + "?action=save", Json.bytes(Map.of("filename", filename)), false),
        n ->
            new SlotSaveResult(
                n.path("id_slot").asInt(slotId),
                n.path("filename").asText(filename),
                n.path("n_saved").asInt(),
                n.path("n_written").asLong(),
                n.path("timings").path("save_ms").asDouble(Double.NaN)));
  }

  /**
   * Restores a slot's prompt cache from a file saved before ({@code POST
   * /slots/{id}?action=restore}; needs {@code --slot-save-path}).
   *
   * @param slotId the slot
   * @param filename the file name given to {@link #saveSlot(int, String)}
   * @return what was restored
   * @throws LlamaException on failure
   */
  public SlotRestoreResult restoreSlot(int slotId, String filename) {
    checkSlot(slotId, filename);
    return JsonCall.json(
        this,
        post("/slots/" + slotId + "?action=restore", Json.bytes(Map.of("filename", filename)), false),
        n ->
            new SlotRestoreResult(
                n.path("id_slot").asInt(slotId),
                n.path("filename").asText(filename),
                n.path("n_restored").asInt(),
                n.path("n_read").asLong(),
                n.path("timings").path("restore_ms").asDouble(Double.NaN)));
  }

  /**
   * Clears a slot's prompt cache ({@code POST /slots/{id}?action=erase}).
   *
   * @param slotId the slot
   * @return how many cached tokens were erased ({@code n_erased})
   * @throws LlamaException on failure
   */
  public int eraseSlot(int slotId) {
    if (slotId < 0) {
      throw new IllegalArgumentException("slotId must be 0 or more, was " + slotId);
    }
    return JsonCall.json(
        this,
        post("/slots/" + slotId + "?action=erase", new byte[0], false),
        n -> n.path("n_erased").asInt());
  }

  // ---------------------------------------------------------------- raw completions

  /**
   * Streams a raw completion from native {@code POST /completion} (no chat template; no {@code
   * [DONE]}: the stream ends after the {@code stop:true} event). The request is sent at once (or
   * waits under {@link Builder#maxConcurrentStreams(int)}); close the stream to stop early.
   *
   * @param request the request; needs a prompt
   * @return the event stream; the caller closes it
   * @throws IllegalArgumentException if the request has no prompt
   */
  public CompletionStream completionStream(CompletionRequest request) {
    return completionStream(post("/completion", completionBody(request, true, false), true, false, request.responseTimeout()), false);
  }

  /**
   * Streams a raw completion from OpenAI-style {@code POST /v1/completions} ({@code choices[0].text};
   * the final chunk carries {@code finish_reason}, {@code usage} and {@code timings}, then {@code
   * [DONE]}). {@code n_predict} is sent as {@code max_tokens}.
   *
   * @param request the request; needs a prompt
   * @return the event stream; the caller closes it
   * @throws IllegalArgumentException if the request has no prompt
   */
  public CompletionStream textCompletionStream(CompletionRequest request) {
    return completionStream(post("/v1/completions", completionBody(request, true, true), true, false, request.responseTimeout()), true);
  }

  /**
   * The text of a native {@code /completion} as a {@code Stream<String>}, pulled by the calling
   * thread; close it to stop early. Dropped before its end without close, it is closed once the
   * garbage collector finds it unreachable, as {@link #generateStream(ChatRequest)} says.
   *
   * @param request the request; needs a prompt
   * @return the text pieces; terminal operations throw {@link LlamaException} subtypes
   */
  public Stream<String> generateCompletion(CompletionRequest request) {
    return completionStream(request).text();
  }

  /**
   * The text of a native {@code /completion} as a cold {@link Flow.Publisher}, with the same rules
   * as {@link #generatePublisher(ChatRequest)}.
   *
   * @param request the request; needs a prompt
   * @return the publisher
   * @throws IllegalArgumentException if the request has no prompt
   */
  public Flow.Publisher<String> completionPublisher(CompletionRequest request) {
    Request http = post("/completion", completionBody(request, true, false), true, false, request.responseTimeout());
    return subscriber ->
        PushSink.subscribe(
            this,
            http,
            new CompletionDecoder(maxResponseChars, false),
            subscriber,
            e -> e instanceof ChatEvent.Content ? ((ChatEvent.Content) e).text() : null,
            r -> null);
  }

  /**
   * Runs a native {@code /completion} with {@code stream:false} and waits for the whole result.
   * Nothing arrives until generation ends, so the response timeout covers it all.
   *
   * @param request the request; needs a prompt
   * @return the result
   * @throws IllegalArgumentException if the request has no prompt
   * @throws LlamaException on failure
   */
  public CompletionResult complete(CompletionRequest request) {
    return JsonCall.json(
        this,
        post("/completion", completionBody(request, false, false), false, false, request.responseTimeout()),
        CompletionDecoder::whole);
  }

  /**
   * Fill-in-the-middle ({@code POST /infill}, not streamed): the model writes what goes between a
   * prefix and a suffix. Needs a model with FIM tokens (else {@link NotSupportedException}).
   *
   * @param inputPrefix the text before the gap
   * @param inputSuffix the text after the gap
   * @param settings other {@code /completion} fields (its prompt, if any, is sent as {@code prompt}:
   *     text placed right before the gap)
   * @return the result, in {@code /completion} form
   * @throws LlamaException on failure
   */
  public CompletionResult infill(String inputPrefix, String inputSuffix, CompletionRequest settings) {
    Objects.requireNonNull(inputPrefix, "inputPrefix");
    Objects.requireNonNull(inputSuffix, "inputSuffix");
    Objects.requireNonNull(settings, "settings");
    Map<String, @Nullable Object> extra = new LinkedHashMap<>();
    extra.put("input_prefix", inputPrefix);
    extra.put("input_suffix", inputSuffix);
    return JsonCall.json(
        this,
        post("/infill", settings.body(false, false, extra), false),
        CompletionDecoder::whole);
  }

  private static byte[] completionBody(CompletionRequest request, boolean stream, boolean openAi) {
    Objects.requireNonNull(request, "request");
    if (request.prompt() == null) {
      throw new IllegalArgumentException("a completion request needs a prompt");
    }
    return request.body(stream, openAi, Map.of());
  }

  private CompletionStream completionStream(Request http, boolean openAi) {
    PullSink<CompletionResult> sink = new PullSink<>();
    Exchange<CompletionResult> exchange =
        Exchange.streaming(engine, http, engine.pulled(), new CompletionDecoder(maxResponseChars, openAi), sink);
    launchPulled(exchange);
    return new CompletionStream(sink, exchange);
  }

  /**
   * The models the server serves ({@code GET /v1/models}; public even with an API key). In router
   * mode every known model is listed.
   *
   * @return the models, in the server's order
   * @throws LlamaException on failure
   */
  public List<ModelInfo> models() {
    return JsonCall.json(
        this,
        get("/v1/models"),
        n -> {
          List<ModelInfo> out = new java.util.ArrayList<>();
          for (com.fasterxml.jackson.databind.JsonNode m : n.path("data")) {
            List<String> aliases = new java.util.ArrayList<>();
            m.path("aliases").forEach(a -> aliases.add(a.asText()));
            com.fasterxml.jackson.databind.JsonNode meta = m.path("meta");
            out.add(
                new ModelInfo(
                    m.path("id").asText(""),
                    aliases,
                    m.path("owned_by").asText(""),
                    m.path("created").asLong(),
                    meta.path("n_vocab").asInt(),
                    meta.path("n_ctx").asInt(),
                    meta.path("n_ctx_train").asInt(),
                    meta.path("n_embd").asInt(),
                    meta.path("n_params").asLong(),
                    meta.path("size").asLong()));
          }
          return List.copyOf(out);
        });
  }

  /**
   * The server's slots ({@code GET /slots}; disabled by {@code --no-slots}, then {@link
   * NotSupportedException}).
   *
   * @return one entry per slot
   * @throws LlamaException on failure
   */
  public List<SlotInfo> slots() {
    return JsonCall.json(
        this,
        get("/slots"),
        n -> {
          List<SlotInfo> out = new java.util.ArrayList<>();
          for (com.fasterxml.jackson.databind.JsonNode s : n) {
            com.fasterxml.jackson.databind.JsonNode next = s.path("next_token");
            if (next.isArray()) { // an array of one, although llama-server's README shows an object
              next = next.path(0);
            }
            out.add(
                new SlotInfo(
                    s.path("id").asInt(),
                    s.path("n_ctx").asInt(),
                    s.path("speculative").asBoolean(),
                    s.path("is_processing").asBoolean(),
                    s.path("id_task").asInt(),
                    next.path("has_next_token").asBoolean(),
                    next.path("n_remain").asInt(),
                    next.path("n_decoded").asInt(),
                    s.path("params").toString()));
          }
          return List.copyOf(out);
        });
  }

  /**
   * The server's Prometheus metrics ({@code GET /metrics}; needs {@code --metrics}, else {@link
   * NotSupportedException}).
   *
   * @return the parsed values
   * @throws LlamaException on failure
   */
  public Metrics metrics() {
    byte[] body = JsonCall.call(this, get("/metrics")).body();
    return Metrics.parse(new String(body, StandardCharsets.UTF_8));
  }

  /**
   * Embeds texts ({@code POST /v1/embeddings}; needs an embedding model and {@code --embeddings},
   * else {@link NotSupportedException}; pooling {@code none} gives 400).
   *
   * @param inputs the texts, at least one
   * @return one embedding per input, ordered by index
   * @throws LlamaException on failure
   */
  public List<Embedding> embeddings(List<String> inputs) {
    Objects.requireNonNull(inputs, "inputs");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("embeddings needs at least one input");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("input", List.copyOf(inputs));
    body.put("encoding_format", "float");
    return JsonCall.json(
        this,
        post("/v1/embeddings", Json.bytes(body), false),
        n -> {
          List<Embedding> out = new java.util.ArrayList<>();
          for (com.fasterxml.jackson.databind.JsonNode d : n.get("data")) {
            com.fasterxml.jackson.databind.JsonNode v = d.get("embedding");
            float[] vector = new float[v.size()];
            for (int i = 0; i < vector.length; i++) {
              vector[i] = (float) v.get(i).asDouble();
            }
            out.add(new Embedding(d.path("index").asInt(out.size()), vector));
          }
          out.sort(java.util.Comparator.comparingInt(Embedding::index));
          return List.copyOf(out);
        });
  }

  /**
   * Scores documents against a query ({@code POST /v1/rerank}; needs a reranking model, started with
   * {@code --reranking}, else {@link NotSupportedException}).
   *
   * @param query the query
   * @param documents the documents, at least one
   * @param topN how many best results to return; 0 or less for all
   * @return the results, most relevant first, as the server sorts them
   * @throws LlamaException on failure
   */
  public List<RerankResult> rerank(String query, List<String> documents, int topN) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(documents, "documents");
    if (documents.isEmpty()) {
      throw new IllegalArgumentException("rerank needs at least one document");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("query", query);
    body.put("documents", List.copyOf(documents));
    if (topN > 0) {
      body.put("top_n", topN);
    }
    return JsonCall.json(
        this,
        post("/v1/rerank", Json.bytes(body), false),
        n -> {
          List<RerankResult> out = new java.util.ArrayList<>();
          for (com.fasterxml.jackson.databind.JsonNode r : n.get("results")) {
            out.add(new RerankResult(r.get("index").asInt(), r.get("relevance_score").asDouble()));
          }
          return List.copyOf(out);
        });
  }

  /**
   * Changes server properties at run time ({@code POST /props}; needs {@code --props}, else {@link
   * NotSupportedException}).
   *
   * @param properties the properties to set, as JSON values
   * @throws LlamaException on failure
   */
  public void updateProps(Map<String, ?> properties) {
    Objects.requireNonNull(properties, "properties");
    Json.checkValue(properties, "properties");
    JsonCall.call(this, post("/props", Json.bytes(properties), false));
  }

  private static void checkSlot(int slotId, String filename) {
    if (slotId < 0) {
      throw new IllegalArgumentException("slotId must be 0 or more, was " + slotId);
    }
    Objects.requireNonNull(filename, "filename");
    if (filename.isBlank() || filename.contains("/") || filename.contains("\\") || filename.contains("..")) {
      throw new IllegalArgumentException("filename must be a plain file name (no path), was '" + filename + "'");
    }
  }

  // ---------------------------------------------------------------- plumbing

  Exchange<ChatResult> newChatExchange(ChatRequest request, Exchange.Sink<ChatResult> sink) {
    return Exchange.streaming(engine, chatHttpRequest(request, true), engine.pulled(), newChatDecoder(), sink);
  }

  StreamDecoder<ChatResult> newChatDecoder() {
    return new ChatChunkDecoder(maxResponseChars);
  }

  /**
   * Starts an exchange. The single place every streamed request goes through: with a stream limit,
   * the exchange may wait in the limiter's queue (or be refused) instead of starting now.
   */
  void launch(Exchange<?> exchange) {
    if (closed) {
      exchange.reject(new LlamaException("this LlamaClient is closed; build a new one"));
      return;
    }
    track(exchange);
    StreamLimiter l = limiter;
    if (l == null) {
      exchange.start();
    } else {
      l.launch(exchange);
    }
  }

  /** Keeps the exchange in the live set until it ends, so close() can cancel it. */
  private void track(Exchange<?> exchange) {
    live.add(exchange);
    exchange.onTerminate(() -> live.remove(exchange));
    if (closed) { // closed meanwhile: close() may have missed this one
      exchange.cancel();
    }
  }

  /**
   * Starts a small (not streamed) exchange: no stream limit applies. A pulled one is then stepped by
   * the caller.
   */
  void startSmall(Exchange<?> exchange) {
    if (closed) {
      exchange.reject(new LlamaException("this LlamaClient is closed; build a new one"));
      return;
    }
    track(exchange);
    exchange.start();
  }

  /**
   * Starts an exchange whose consumer pulls: where {@link Builder#readOnConsumingThread(boolean)}
   * applies, the consuming thread reads the connection itself, and the request goes out now, on
   * this thread (unless the limiter makes it wait).
   */
  private void launchPulled(Exchange<?> exchange) {
    launch(exchange);
    exchange.sendNow();
  }

  /** The engine every exchange of this client runs on. */
  Engine engine() {
    return engine;
  }

  /** A URI as messages show it: without credentials. */
  String shown(URI uri) {
    return secrets.redactUrl(uri.toString());
  }

  /** Whether a pulled stream to this URI may read on its consumer: plain http, no proxy. */
  private static boolean readsOnConsumer(URI uri) {
    if (!"http".equalsIgnoreCase(uri.getScheme())) {
      return false;
    }
    // the HttpClient we built uses the default proxy selector; where it names a proxy, so do we
    java.net.ProxySelector proxies = java.net.ProxySelector.getDefault();
    if (proxies == null) {
      return true;
    }
    try {
      for (java.net.Proxy p : proxies.select(uri)) {
        if (p.type() != java.net.Proxy.Type.DIRECT) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Nullable StreamLimiter limiter() {
    return limiter;
  }

  Request chatHttpRequest(ChatRequest request, boolean stream) {
    Objects.requireNonNull(request, "request");
    return post("/v1/chat/completions", RequestJson.chatBody(request, stream, defaults), stream, false, request.responseTimeout());
  }

  /** A POST that does work on the server: never sent twice unless the connection provably died unused. */
  Request post(String path, byte[] body, boolean stream) {
    return post(path, body, stream, false);
  }

  /** A POST; {@code idempotent} for the ones that only compute (tokenize, detokenize, templates). */
  Request post(String path, byte[] body, boolean stream, boolean idempotent) {
    return post(path, body, stream, idempotent, null);
  }

  /** A POST with its own response timeout (null: the client's). */
  Request post(String path, byte[] body, boolean stream, boolean idempotent, @Nullable Duration responseTimeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(resolve(path))
            .version(HttpClient.Version.HTTP_1_1)
            .header("Content-Type", "application/json")
            .header("Accept", stream ? "text/event-stream" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (responseTimeout != null) {
      b.timeout(responseTimeout);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return new Request(b.build(), body, stream, idempotent);
  }

  Request get(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(resolve(path))
            .version(HttpClient.Version.HTTP_1_1)
            .header("Accept", "application/json")
            // a GET only reads the server's state: it answers at once even while a slot works, so
            // it does not wait as long as a prompt may (a hung /health must not take 10 minutes)
            .timeout(responseTimeout.compareTo(SMALL_GET_LIMIT) < 0 ? responseTimeout : SMALL_GET_LIMIT)
            .GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return new Request(b.build(), new byte[0], false, true);
  }

  /** The base URL with {@code path} appended (the base may carry a prefix such as /llama). */
  URI resolve(String path) {
    String base = baseUrl.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path);
  }

  /** The one redactor of this client's secrets: every failure passes it before a caller sees it. */
  Secrets secrets() {
    return secrets;
  }

  @Nullable WireListener wireListener() {
    return wireListener;
  }

  int maxLineBytes() {
    return maxLineBytes;
  }

  int maxResponseChars() {
    return maxResponseChars;
  }

  /**
   * The server's base URL, without the credentials it may have been given with (those are sent
   * as {@code Authorization: Basic}, see {@link Builder#baseUrl(URI)}).
   *
   * @return the URL
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * The connect timeout set on the builder (a client over your own HttpClient uses that one's).
   *
   * @return the timeout
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * The longest wait for response headers. llama-server sends them only with the first token, so
   * this covers prompt processing.
   *
   * @return the timeout
   */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /**
   * The longest silence allowed between two chunks of a stream.
   *
   * @return the timeout
   */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * Closes the client: streams read on their consuming threads fail with {@link
   * StreamCancelledException} and their connections close, idle keep-alive connections close, the
   * callback executor the client made is shut down (signals already queued are still delivered),
   * and on JDK 21 and later the HTTP client this client built is shut down, failing its open
   * exchanges (an {@code HttpClient} you passed is left alone). Streams started after this fail at
   * once with {@link LlamaException}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    for (Exchange<?> e : live) {
      e.cancel(); // open exchanges: their connections close now
    }
    engine.close();
    ExecutorService callbacks = ownCallbackExecutor;
    if (callbacks != null) {
      callbacks.shutdown(); // signals already queued are still delivered
    }
    if (!ownsHttp) {
      return;
    }
    try { // JDK 21 and later: abort open exchanges and release the selector thread
      HttpClient.class.getMethod("shutdownNow").invoke(http);
    } catch (ReflectiveOperationException e) {
      // JDK 17: the HTTP client's thread ends once the client is unreachable
    }
  }


  /** Where Publisher and callback faces deliver their signals. */
  java.util.concurrent.Executor callbackExecutor() {
    return callbackExecutor;
  }

  /** Names the client's own daemon threads. */
  private static final class DaemonFactory implements ThreadFactory {
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    private final String prefix;
    private final AtomicInteger threads = new AtomicInteger();

    DaemonFactory(String kind) {
      this.prefix = "llama-client-" + CLIENTS.incrementAndGet() + "-" + kind + "-";
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, prefix + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }

  @Override
  public String toString() {
    String auth = authorization == null ? "apiKey=none" : authorization.startsWith("Basic ") ? "basic auth=***" : "apiKey=***";
    return "LlamaClient[" + baseUrl + ", " + auth + "]";
  }

  /**
   * Builds a {@link LlamaClient}. Each setter checks its argument at once and says what was wrong;
   * {@link #build()} refuses settings that contradict each other (rather than letting the last call
   * win). Not thread-safe.
   */
  public static final class Builder {
    private final @Nullable HttpClient http;
    private URI baseUrl = DEFAULT_BASE_URL;
    private @Nullable Credentials credentials;
    private @Nullable String apiKey;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private boolean connectTimeoutSet;
    private Duration responseTimeout = Duration.ofMinutes(10);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private int maxLineBytes = 4 * 1024 * 1024;
    private boolean readOnConsumingThread = true;
    private int maxResponseChars = 64 * 1024 * 1024;
    private @Nullable WireListener wireListener;
    private java.util.concurrent.@Nullable Executor callbackExecutor;
    private @Nullable String defaultModel;
    private @Nullable Integer defaultMaxTokens;
    private @Nullable Double defaultTemperature;
    private final Map<String, @Nullable Object> defaultParameters = new LinkedHashMap<>();
    private int maxConcurrentStreams;
    private boolean concurrencyFromServerSlots;
    private int maxQueuedStreams = 256;
    private boolean maxQueuedStreamsSet;
    private Duration queueTimeout = Duration.ofMinutes(2);
    private @Nullable Duration totalTimeout;
    private Clock clock = Clock.SYSTEM;
    private boolean queueTimeoutSet;

    private Builder(@Nullable HttpClient http) {
      this.http = http;
    }

    /**
     * Sets the server's base URL; a path prefix (llama-server's {@code --api-prefix}) is kept.
     *
     * <p>Credentials in it ({@code http://user:password@host:8080}, for a reverse proxy that asks
     * for basic authentication) are taken out of the URL and sent as {@code Authorization: Basic}
     * with every request; like an API key, they never appear in {@code toString()}, {@link
     * LlamaClient#baseUrl()}, exceptions, traces or logs. The user name and password, once
     * percent-decoded, must be visible ASCII characters (0x21 to 0x7E), as an API key must. They
     * cannot be combined with {@link #apiKey(String)}: both would be the one {@code Authorization}
     * header ({@link #build()} refuses it).
     *
     * @param baseUrl an absolute http or https URL, with no query or fragment
     * @return this builder
     * @throws NullPointerException if {@code baseUrl} is null
     * @throws IllegalArgumentException if it is not an http or https URL, names no host, has a
     *     query or fragment, or has credentials that are not visible ASCII (the message shows the
     *     URL with {@code ***} in place of the credentials)
     */
    public Builder baseUrl(URI baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      String shown = Secrets.hideUserInfo(baseUrl.toString());
      String scheme = baseUrl.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException("baseUrl must be an http or https URL, was " + shown);
      }
      if (baseUrl.getHost() == null) {
        throw new IllegalArgumentException("baseUrl must name a host, was " + shown);
      }
      if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
        throw new IllegalArgumentException("baseUrl must not have a query or fragment, was " + shown);
      }
      Credentials c = baseUrl.getRawUserInfo() == null ? null : Credentials.of(baseUrl);
      this.baseUrl = c == null ? baseUrl : withoutUserInfo(baseUrl);
      this.credentials = c;
      return this;
    }

    /**
     * Sets the server's base URL, as {@link #baseUrl(URI)} does.
     *
     * @param baseUrl an absolute http or https URL, such as {@code http://localhost:8080}
     * @return this builder
     * @throws NullPointerException if {@code baseUrl} is null
     * @throws IllegalArgumentException if it is not a valid URL, or not one {@link #baseUrl(URI)}
     *     accepts (the message shows the URL with {@code ***} in place of any credentials)
     */
    public Builder baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      URI u;
      try {
        u = new URI(baseUrl.trim());
      } catch (java.net.URISyntaxException e) {
        // not chained: the cause's message quotes the whole input, credentials included
        throw new IllegalArgumentException(
            "baseUrl is not a valid URL: '"
                + Secrets.hideUserInfo(baseUrl)
                + "' ("
                + e.getReason()
                + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "")
                + ")");
      }
      return baseUrl(u);
    }

    /**
     * Sets the API key (llama-server's {@code --api-key}), sent as {@code Authorization: Bearer}.
     * It never appears in {@code toString()}, exceptions, traces or logs, not even where a message
     * quotes a server that echoes it ({@code ***} stands in for it). Cannot be combined with
     * credentials in the base URL ({@link #build()} refuses it).
     *
     * @param apiKey the key: visible ASCII characters only (0x21 to 0x7E), so both transports send
     *     it the same way
     * @return this builder
     * @throws NullPointerException if {@code apiKey} is null
     * @throws IllegalArgumentException if it is empty or has another character (a space, a line
     *     break, a control or non-ASCII character); the message says which position and what kind,
     *     never the key
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      this.apiKey = Secrets.checkVisibleAscii(apiKey, "apiKey");
      return this;
    }

    /**
     * Sets the TCP connect timeout of the HTTP client this builder creates (and of pulled streams'
     * own connections). Not for {@link LlamaClient#builder(HttpClient)}: there, set it on your
     * {@code HttpClient} ({@link #build()} refuses it).
     *
     * @param timeout positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      this.connectTimeoutSet = true;
      return this;
    }

    /**
     * Sets the longest wait for the response headers. llama-server sends them with the first
     * token, so this covers prompt processing: keep it generous for long prompts.
     *
     * @param timeout positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = positive(timeout, "responseTimeout");
      return this;
    }

    /**
     * Sets the longest silence allowed between two chunks of a stream.
     *
     * @param timeout positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /**
     * Whether pulled streams ({@link LlamaClient#stream(ChatRequest) stream}, {@link
     * LlamaClient#generateStream(ChatRequest) generateStream}, {@link LlamaClient#chat(ChatRequest)
     * chat}, the completion streams) read their connection on the thread that consumes them.
     * Default on.
     *
     * <p>On, a pulled stream to a plain {@code http:} server (no proxy for it in the default {@code
     * ProxySelector}, on a client that built its own {@code HttpClient}) uses an HTTP/1.1 connection
     * of its own (kept alive and reused as the server allows) and reads it on the consuming thread,
     * parsing straight from one read buffer: no hand-off between threads, so less than half the CPU
     * per event and a fraction of the delivery latency of going through {@code java.net.http}
     * (docs/performance.md). The contracts are the same: the connect, response and idle timeouts,
     * typed errors, and closing the stream from any thread or interrupting the consumer closes the
     * connection at once. What differs: {@code stream(...)} resolves the host, connects and writes
     * the request before it returns (it blocks for that, and an interrupt pending on the calling
     * thread cancels the stream); the response and idle limits are enforced while the consumer
     * waits for this stream (a stream not read yet is not failed meanwhile; the response limit
     * still counts from when the request was written); and a stream held back by {@link
     * #maxConcurrentStreams(int)} sends its request when its consumer next waits for it. Off, or for {@code https:}, a proxy or your own {@code HttpClient}, and for
     * the Publisher and callback faces, everything goes through the {@code HttpClient}.
     *
     * @param enabled false to send pulled streams through the {@code HttpClient} too
     * @return this builder (throws nothing)
     */
    public Builder readOnConsumingThread(boolean enabled) {
      this.readOnConsumingThread = enabled;
      return this;
    }

    /**
     * Sets the longest SSE line (and event) accepted; a longer one fails the stream with {@link
     * LlamaProtocolException}. Default 4 MiB.
     *
     * @param bytes at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1024
     */
    public Builder maxLineBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxLineBytes must be at least 1024, was " + bytes);
      }
      this.maxLineBytes = bytes;
      return this;
    }

    /**
     * Sets the most one reply may accumulate, in characters, counted together: answer text,
     * reasoning, tool-call names, ids and arguments, completion text, and token probabilities
     * (each token and alternative counts its text, its bytes and 16 more). Past it the stream fails
     * with {@link ResponseTooLargeException}, which names the limit and what overflowed, and the
     * connection is closed. A reply is also limited to 128 tool calls (more is a {@link
     * LlamaProtocolException}). A reply that is not streamed ({@link
     * LlamaClient#chatNonStreaming(ChatRequest)}, the small endpoints) may be at most this many
     * bytes. Default 64 Mi characters.
     *
     * @param chars at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code chars} is below 1024
     */
    public Builder maxResponseChars(int chars) {
      if (chars < 1024) {
        throw new IllegalArgumentException("maxResponseChars must be at least 1024, was " + chars);
      }
      this.maxResponseChars = chars;
      return this;
    }

    /**
     * Sets where the Publisher and callback faces deliver their signals ({@code onNext}, {@code
     * onChunk}, {@code onComplete}, {@code onError}, and the completion of {@link
     * LlamaClient#chatAsync(ChatRequest) chatAsync} futures). By default each client has its own pool of
     * daemon threads that grows with concurrent deliveries and shrinks when idle, so a callback
     * that blocks (writing to a slow socket, a blocking call on this client) delays only its own
     * stream. {@code Runnable::run} delivers on the HTTP client's I/O thread: the lowest latency,
     * but then callbacks must never block or call this client's blocking methods. An executor
     * given here is not shut down by {@link LlamaClient#close()}.
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     */
    public Builder callbackExecutor(java.util.concurrent.Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Turns on the wire trace: every request, response and SSE line goes to the listener.
     *
     * @param listener the listener, for example {@link WireListener#logging()}
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder wireListener(WireListener listener) {
      this.wireListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Sets the {@code model} sent when a request sets none.
     *
     * @param model the model name
     * @return this builder
     * @throws NullPointerException if {@code model} is null
     * @throws IllegalArgumentException if it is blank
     */
    public Builder defaultModel(String model) {
      Objects.requireNonNull(model, "model");
      if (model.isBlank()) {
        throw new IllegalArgumentException("defaultModel must not be blank");
      }
      this.defaultModel = model;
      return this;
    }

    /**
     * Sets the {@code max_tokens} sent when a request sets none.
     *
     * @param maxTokens -1 (no limit) or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxTokens} is less than -1
     */
    public Builder defaultMaxTokens(int maxTokens) {
      if (maxTokens < -1) {
        throw new IllegalArgumentException("defaultMaxTokens must be -1 (no limit) or more, was " + maxTokens);
      }
      this.defaultMaxTokens = maxTokens;
      return this;
    }

    /**
     * Sets the {@code temperature} sent when a request sets none.
     *
     * @param temperature from 0 to 100
     * @return this builder
     * @throws IllegalArgumentException if {@code temperature} is outside 0 to 100, or NaN
     */
    public Builder defaultTemperature(double temperature) {
      if (!(temperature >= 0 && temperature <= 100)) {
        throw new IllegalArgumentException("defaultTemperature must be from 0 to 100, was " + temperature);
      }
      this.defaultTemperature = temperature;
      return this;
    }

    /**
     * Sets a request field sent when a request does not set it through {@link
     * ChatRequest.Builder#parameter(String, Object)}.
     *
     * @param name the JSON field name
     * @param value a JSON value: null, String, Number, Boolean, Map, List
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank or a field the client sets itself
     *     ({@code messages}, {@code stream}, {@code stream_options}), {@code value} is not a JSON
     *     value (an infinite or NaN number, another type), or {@code n} (or {@code n_cmpl}) is not 1:
     *     llama-client decodes one choice
     */
    public Builder defaultParameter(String name, @Nullable Object value) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank() || name.equals("messages") || name.equals("stream") || name.equals("stream_options")) {
        throw new IllegalArgumentException("defaultParameter name must not be blank or a field the client sets, was '" + name + "'");
      }
      Json.checkParameter(name, value);
      defaultParameters.put(name, value);
      return this;
    }

    /**
     * Limits how many streams this client runs at once (every streamed face counts; {@link
     * LlamaClient#chatNonStreaming(ChatRequest)} and the small endpoints do not). Further streams
     * wait in a fair first-in-first-out queue (see {@link #maxQueuedStreams(int)}, {@link
     * #queueTimeout(Duration)}) and start when a running one ends, fails or is closed. No thread
     * blocks for this: {@code stream(...)} and {@code subscribe(...)} return at once, and the events
     * simply start later. Matching llama-server's slot count ({@code -np}) keeps requests from
     * waiting inside the server, where no timeout of this client sees them.
     *
     * <p>Either this or {@link #concurrencyFromServerSlots()}: {@link #build()} refuses both.
     *
     * @param max 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is less than 1
     */
    public Builder maxConcurrentStreams(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConcurrentStreams must be 1 or more, was " + max);
      }
      this.maxConcurrentStreams = max;
      return this;
    }

    /**
     * Limits concurrent streams to the server's slot count, read once from {@code GET /props}
     * ({@code total_slots}) when the first stream starts; if that read fails, that stream fails
     * with the error and the next one tries again. Otherwise as {@link #maxConcurrentStreams(int)}.
     *
     * <p>Either this or {@link #maxConcurrentStreams(int)}: {@link #build()} refuses both.
     *
     * @return this builder (throws nothing)
     */
    public Builder concurrencyFromServerSlots() {
      this.concurrencyFromServerSlots = true;
      return this;
    }

    /**
     * Sets how many streams may wait for a place under the stream limit (default 256). A stream
     * beyond that fails at once with {@link TooManyStreamsException}, never hangs. Only with a
     * stream limit ({@link #maxConcurrentStreams(int)} or {@link #concurrencyFromServerSlots()}):
     * without one nothing waits, and {@link #build()} refuses this setting.
     *
     * @param max 0 (no waiting: refuse at once) or more
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is negative
     */
    public Builder maxQueuedStreams(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxQueuedStreams must be 0 or more, was " + max);
      }
      this.maxQueuedStreams = max;
      this.maxQueuedStreamsSet = true;
      return this;
    }

    /**
     * Sets the longest a stream waits for a place under the stream limit (default 2 min); then it
     * fails with {@link LlamaTimeoutException.QueueWait}. The response timeout starts only when
     * the request is actually sent. Only with a stream limit ({@link #maxConcurrentStreams(int)} or
     * {@link #concurrencyFromServerSlots()}): without one nothing waits, and {@link #build()}
     * refuses this setting.
     *
     * @param timeout positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder queueTimeout(Duration timeout) {
      this.queueTimeout = positive(timeout, "queueTimeout");
      this.queueTimeoutSet = true;
      return this;
    }

    /**
     * An optional deadline for a whole call: connecting, waiting for the head and streaming
     * together. Unlike the idle timeout, nothing the server sends extends it (a server that sends
     * only {@code : ping} comments holds a stream until this deadline). Default: none.
     *
     * @param timeout the deadline, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder totalTimeout(Duration timeout) {
      this.totalTimeout = positive(timeout, "totalTimeout");
      return this;
    }

    /** Tests: the time source of every deadline (package-private: not API). */
    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the client. The builder can be changed and used again afterwards.
     *
     * @return the client
     * @throws IllegalStateException if two settings contradict each other, naming both: {@link
     *     #apiKey(String)} with credentials in the {@linkplain #baseUrl(URI) base URL} (both would
     *     be the {@code Authorization} header); {@link #maxConcurrentStreams(int)} with {@link
     *     #concurrencyFromServerSlots()}; {@link #maxQueuedStreams(int)} or {@link
     *     #queueTimeout(Duration)} without either of those (nothing waits without a stream limit);
     *     {@link #connectTimeout(Duration)} on a {@linkplain LlamaClient#builder(HttpClient) builder
     *     over your own HttpClient} (which connects with its own timeout)
     */
    public LlamaClient build() {
      if (apiKey != null && credentials != null) {
        throw new IllegalStateException(
            "apiKey(...) and the credentials in baseUrl ("
                + Secrets.MASK
                + "@"
                + baseUrl.getRawAuthority()
                + ") are both set, and both would be the Authorization header: keep the API key for"
                + " llama-server's --api-key, or the URL's credentials for a proxy's basic authentication");
      }
      if (maxConcurrentStreams > 0 && concurrencyFromServerSlots) {
        throw new IllegalStateException(
            "maxConcurrentStreams("
                + maxConcurrentStreams
                + ") and concurrencyFromServerSlots() are both set, and each sets the stream limit: keep one");
      }
      if (maxConcurrentStreams == 0 && !concurrencyFromServerSlots && (maxQueuedStreamsSet || queueTimeoutSet)) {
        throw new IllegalStateException(
            (maxQueuedStreamsSet ? "maxQueuedStreams(" + maxQueuedStreams + ")" : "queueTimeout(" + queueTimeout + ")")
                + " is set without a stream limit, so no stream ever waits: set maxConcurrentStreams(int) or"
                + " concurrencyFromServerSlots() too, or leave it out");
      }
      if (http != null && connectTimeoutSet) {
        throw new IllegalStateException(
            "connectTimeout("
                + connectTimeout
                + ") is set on LlamaClient.builder(HttpClient), whose HttpClient connects with its own"
                + " timeout: set it with HttpClient.newBuilder().connectTimeout(...) instead");
      }
      return new LlamaClient(this);
    }

    private static URI withoutUserInfo(URI u) {
      String authority = u.getRawAuthority();
      String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      return URI.create(u.getScheme() + "://" + hostPort + path);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
