package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.Secrets;
import io.github.llamaclient.internal.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link LlamaClient}. Each setter checks its argument at once and says what was wrong;
 * {@link #build()} refuses settings that contradict each other (rather than letting the last call
 * win). Not thread-safe.
 */
public final class LlamaClientBuilder {
  final @Nullable HttpClient http;
  URI baseUrl = LlamaClient.DEFAULT_BASE_URL;
  java.util.List<URI> servers = java.util.List.of(); // empty: baseUrl alone
  Duration probeInterval = Duration.ofSeconds(2);
  @Nullable Credentials credentials;
  @Nullable String apiKey;
  Duration connectTimeout = Duration.ofSeconds(5);
  boolean connectTimeoutSet;
  int maxConcurrentConnects = 32;
  Duration responseTimeout = Duration.ofMinutes(10);
  Duration idleTimeout = Duration.ofSeconds(60);
  int maxLineBytes = 4 * 1024 * 1024;
  boolean readOnConsumingThread = true;
  boolean checkModalities = true;
  int maxResponseChars = 64 * 1024 * 1024;
  @Nullable WireListener wireListener;
  java.util.concurrent.@Nullable Executor callbackExecutor;
  int callbackThreads = DeliveryPool.defaultThreads();
  boolean pushOnVirtualThreads;
  int pushReaderThreads = defaultPushReaderThreads();
  @Nullable String defaultModel;
  @Nullable Integer defaultMaxTokens;
  @Nullable Double defaultTemperature;
  final Map<String, @Nullable Object> defaultParameters = new LinkedHashMap<>();
  int maxConcurrentStreams;
  boolean concurrencyFromServerSlots;
  int maxQueuedStreams = 256;
  boolean maxQueuedStreamsSet;
  Duration queueTimeout = Duration.ofMinutes(2);
  @Nullable Duration totalTimeout;
  Clock clock = Clock.SYSTEM;
  boolean queueTimeoutSet;

  LlamaClientBuilder(@Nullable HttpClient http) {
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
  public LlamaClientBuilder baseUrl(URI baseUrl) {
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
    this.servers = java.util.List.of();
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
  public LlamaClientBuilder baseUrl(String baseUrl) {
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
   * Sets several llama-servers that serve the same model, to spread requests over: every facet and
   * face works as with one server. A request goes to the least-loaded server that is up (this
   * client's requests there plus the slots others keep busy, over its slots); a chat request with
   * an {@linkplain ChatRequest.Builder#affinity(String) affinity key} (the session module sets the
   * session id) goes to the same server while it is up, so its prompt cache is reused. A request
   * that cannot connect goes to the next server; once a server has answered, nothing is sent
   * again. Each server's {@code /health} and {@code /slots} are read every {@link
   * #probeInterval(Duration)} by one daemon thread; {@link LlamaClient#fleet()} shows what the
   * client knows. With {@link #concurrencyFromServerSlots()} the stream limit is the sum of the
   * servers' slots. Replaces {@link #baseUrl(URI)}; the first server is the client's {@link
   * LlamaClient#baseUrl()}. Per-server endpoints ({@code slots()}, {@code server().props()}) reach
   * one server chosen like any request: build a client for one server to ask that one.
   *
   * @param servers one or more absolute http or https base URLs, each at most once, without
   *     credentials (use {@link #apiKey(String)}, which is sent to every server)
   * @return this builder
   * @throws NullPointerException if {@code servers} is or holds null
   * @throws IllegalArgumentException if it is empty, holds a URL twice, a URL with credentials, or
   *     one {@link #baseUrl(URI)} would refuse
   */
  public LlamaClientBuilder servers(java.util.List<URI> servers) {
    Objects.requireNonNull(servers, "servers");
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("servers must name at least one llama-server");
    }
    java.util.List<URI> list = new java.util.ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (URI u : servers) {
      Objects.requireNonNull(u, "servers must not hold null");
      if (u.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "a server URL in servers(...) has credentials (" + Secrets.hideUserInfo(u.toString()) + "): use apiKey(...)");
      }
      baseUrl(u); // the same checks
      String key = u.toString().endsWith("/") ? u.toString().substring(0, u.toString().length() - 1) : u.toString();
      if (!seen.add(key)) {
        throw new IllegalArgumentException("servers names " + u + " twice");
      }
      list.add(u);
    }
    this.baseUrl = list.get(0);
    this.servers = java.util.List.copyOf(list);
    return this;
  }

  /**
   * Sets several llama-servers, as {@link #servers(java.util.List)} does.
   *
   * @param servers one or more absolute http or https base URLs, such as {@code
   *     http://10.0.0.5:8080}
   * @return this builder
   * @throws NullPointerException if {@code servers} is or holds null
   * @throws IllegalArgumentException if a URL is not valid, or as {@link #servers(java.util.List)}
   */
  public LlamaClientBuilder servers(String... servers) {
    Objects.requireNonNull(servers, "servers");
    java.util.List<URI> list = new java.util.ArrayList<>();
    for (String s : servers) {
      Objects.requireNonNull(s, "servers must not hold null");
      try {
        list.add(new URI(s.trim()));
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("a server is not a valid URL: '" + Secrets.hideUserInfo(s) + "' (" + e.getReason() + ")", e);
      }
    }
    return servers(list);
  }

  /**
   * Sets how often each server of {@link #servers(java.util.List)} is probed ({@code /health},
   * {@code /slots}); default 2 seconds. A server found down or loading is probed again after
   * 250 ms, then twice as long each time, up to this interval: it takes requests again at most
   * this long after it is back. Each probe waits at most the connect timeout, and at most 2
   * seconds or this interval, whichever is longer.
   *
   * @param interval positive
   * @return this builder
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is zero or negative
   */
  public LlamaClientBuilder probeInterval(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("probeInterval must be positive, was " + interval);
    }
    this.probeInterval = interval;
    return this;
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
  public LlamaClientBuilder apiKey(String apiKey) {
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
  public LlamaClientBuilder connectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout, "connectTimeout");
    this.connectTimeoutSet = true;
    return this;
  }

  /**
   * Limits how many connects to one server ({@code host:port}) this client has in progress at once
   * (default 32); a stream that needs a new connection beyond that waits its turn, first come
   * first served, and its {@linkplain #connectTimeout(Duration) connect timeout} starts when its
   * connect does. So a burst of streams started together (thousands, from a batch job or a
   * gateway) reaches the server as a steady run of connects rather than a flood that overflows the
   * server's accept queue, where the kernel drops connects and their timeouts fail streams that
   * the server never refused. A connection kept alive from an earlier request is used without
   * waiting. The wait counts toward the {@linkplain #responseTimeout(Duration) response timeout};
   * if that ends it, the stream fails with {@link LlamaTimeoutException.QueueWait}, whose message
   * says how many connects were in progress and how many waited.
   *
   * @param max 1 or more
   * @return this builder
   * @throws IllegalArgumentException if {@code max} is less than 1
   */
  public LlamaClientBuilder maxConcurrentConnects(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxConcurrentConnects must be 1 or more, was " + max);
    }
    this.maxConcurrentConnects = max;
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
  public LlamaClientBuilder responseTimeout(Duration timeout) {
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
  public LlamaClientBuilder idleTimeout(Duration timeout) {
    this.idleTimeout = positive(timeout, "idleTimeout");
    return this;
  }

  /**
   * Whether pulled streams ({@link StreamingApi#stream(Object) stream}, {@link
   * LlamaClient#generateStream(ChatRequest) generateStream}, {@link StreamingApi#call(Object)
   * call}, on chat and completions alike) read their connection on the thread that consumes them.
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
  public LlamaClientBuilder readOnConsumingThread(boolean enabled) {
    this.readOnConsumingThread = enabled;
    return this;
  }

  /**
   * Whether a chat request with an image or audio part is checked against the server's modalities
   * before it is sent. Default on.
   *
   * <p>On, the first such request of the client's life asks the server for {@code GET /props} (one
   * small blocking call on the thread that starts the request, at most 30 s, answered in
   * milliseconds by a running server) and keeps its {@code modalities} for the client's life; a
   * request with an image for a server without vision, or audio for one without audio, then fails
   * with {@link ModalityNotSupportedException} before anything is sent. Text-only requests never
   * trigger the lookup. If {@code /props} cannot be read (an old server, a proxy that hides it), the
   * request is sent unchecked. Off, nothing is looked up, and a server without a projector refuses
   * the request itself, which the client reports as the same exception. Turn it off for a client
   * whose server may be restarted with another model while the client lives.
   *
   * @param enabled false to send media without looking up the server's modalities
   * @return this builder (throws nothing)
   */
  public LlamaClientBuilder checkModalities(boolean enabled) {
    this.checkModalities = enabled;
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
  public LlamaClientBuilder maxLineBytes(int bytes) {
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
   * ChatApi#callNonStreaming(ChatRequest)}, the small endpoints) may be at most this many
   * bytes. Default 64 Mi characters.
   *
   * @param chars at least 1024
   * @return this builder
   * @throws IllegalArgumentException if {@code chars} is below 1024
   */
  public LlamaClientBuilder maxResponseChars(int chars) {
    if (chars < 1024) {
      throw new IllegalArgumentException("maxResponseChars must be at least 1024, was " + chars);
    }
    this.maxResponseChars = chars;
    return this;
  }

  /**
   * Sets where the Publisher and callback faces deliver their signals ({@code onNext}, {@code
   * onChunk}, {@code onComplete}, {@code onError}, and the completion of {@link
   * StreamingApi#callAsync(Object) callAsync} futures), instead of the client's own delivery pool
   * ({@link #callbackThreads(int)}); it wins over that setting. Each stream's signals still come
   * one at a time and in order, but a stream keeps its task until it has nothing left to deliver
   * (the client's own pool takes turns between streams). {@code Runnable::run} delivers on the
   * thread that read the bytes: the lowest latency, but then callbacks must never block or call
   * this client's blocking methods. An executor given here is not shut down by {@link
   * LlamaClient#close()}.
   *
   * @param executor the executor
   * @return this builder
   * @throws NullPointerException if {@code executor} is null
   */
  public LlamaClientBuilder callbackExecutor(java.util.concurrent.Executor executor) {
    this.callbackExecutor = Objects.requireNonNull(executor, "executor");
    return this;
  }

  /**
   * Sets the size of the client's own delivery pool: the daemon threads ({@code
   * llama-client-N-callback-M}) on which the Publisher and callback faces deliver their signals,
   * shared by all the client's streams (on the reader threads, a reader's idle thread takes part:
   * see {@link #pushReaderThreads(int)}). Default {@code max(2, availableProcessors())}. The pool
   * never grows past this: streams take turns (a stream gives its thread up after a batch of 32
   * signals while others wait), each stream's signals stay serial and in order, and a stream whose
   * signals are not delivered yet stops reading its connection until they are (so the server's
   * writes wait in TCP, not in memory). A callback that blocks holds one of these threads: with
   * as many blocked callbacks as threads, every other stream waits. Idle threads end after 30 s.
   * Ignored when {@link #callbackExecutor(java.util.concurrent.Executor)} is set.
   *
   * @param threads at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code threads} is less than 1
   */
  public LlamaClientBuilder callbackThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("callbackThreads must be at least 1, was " + threads);
    }
    this.callbackThreads = threads;
    return this;
  }

  /**
   * Whether the Publisher and callback faces (and {@link StreamingApi#callAsync(Object)
   * callAsync}) read on one virtual thread per stream, where the JDK has them (21 and later),
   * instead of on the client's few reader threads ({@link #pushReaderThreads(int)}). Default off.
   *
   * <p>Both ways apply to a server the pulled faces read on their consumer (see {@link
   * #readOnConsumingThread(boolean)}: plain {@code http:}, no proxy, no {@code HttpClient} of your
   * own, that setting on), with the client's own HTTP/1.1 reader and the same parser and decoders
   * as the pulled faces, and hand the events to the delivery pool ({@link #callbackThreads(int)}),
   * so listeners never run on a thread while it reads. A stream reads its connection while its
   * subscriber's demand exceeds what waits for delivery and fewer than 256 events wait.
   *
   * <ul>
   *   <li>Off (the default), or on JDK 17: the streams share the reader threads ({@code
   *       llama-client-N-reader-M}), each a selector over non-blocking connections. Measured on 2
   *       cores, this costs about 1.2 times the CPU per token of a bare socket, against 1.7 to 2.2
   *       times on virtual threads (docs/performance.md).
   *   <li>On, on JDK 21 or later: each pushed stream gets one virtual thread ({@code
   *       llama-client-N-push-M}) that connects, sends and reads.
   * </ul>
   *
   * <p>For any other server the push faces go through the {@code HttpClient}. The contracts are the
   * same every way.
   *
   * @param enabled true to read each push stream on a virtual thread of its own (JDK 21 and later)
   * @return this builder (throws nothing)
   */
  public LlamaClientBuilder pushOnVirtualThreads(boolean enabled) {
    this.pushOnVirtualThreads = enabled;
    return this;
  }

  /**
   * Sets how many readers read the push faces' connections where they do not run on virtual
   * threads (see {@link #pushOnVirtualThreads(boolean)}): each is one selector over any number of
   * non-blocking connections, so ten thousand open streams need no more threads than this. Default
   * {@code max(1, min(4, availableProcessors() / 2))}. Each reader has two threads ({@code
   * llama-client-N-reader-M}) that take turns: when a read brought events for the client's own
   * delivery pool ({@link #callbackThreads(int)}) and the reader's other thread is idle, the thread
   * that read hands the reading over to the other one and delivers those events itself, without
   * waiting for a pool thread to wake up; otherwise the pool delivers them. So a listener never
   * runs on the thread that is reading, and a slow listener holds at most the one thread it runs on.
   * They start with the first such stream and end with {@link LlamaClient#close()}.
   *
   * @param threads 1 to 64 readers (two threads each)
   * @return this builder
   * @throws IllegalArgumentException if {@code threads} is not between 1 and 64
   */
  public LlamaClientBuilder pushReaderThreads(int threads) {
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("pushReaderThreads must be between 1 and 64, was " + threads);
    }
    this.pushReaderThreads = threads;
    return this;
  }

  /** The default number of readers: one per two processors, 1 to 4. */
  static int defaultPushReaderThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
  }

  /**
   * Turns on the wire trace: every request, response and SSE line goes to the listener.
   *
   * @param listener the listener, for example {@link WireListener#logging()}
   * @return this builder
   * @throws NullPointerException if {@code listener} is null
   */
  public LlamaClientBuilder wireListener(WireListener listener) {
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
  public LlamaClientBuilder defaultModel(String model) {
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
  public LlamaClientBuilder defaultMaxTokens(int maxTokens) {
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
  public LlamaClientBuilder defaultTemperature(double temperature) {
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
  public LlamaClientBuilder defaultParameter(String name, @Nullable Object value) {
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
   * ChatApi#callNonStreaming(ChatRequest)} and the small endpoints do not). Further streams
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
  public LlamaClientBuilder maxConcurrentStreams(int max) {
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
  public LlamaClientBuilder concurrencyFromServerSlots() {
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
  public LlamaClientBuilder maxQueuedStreams(int max) {
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
  public LlamaClientBuilder queueTimeout(Duration timeout) {
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
  public LlamaClientBuilder totalTimeout(Duration timeout) {
    this.totalTimeout = positive(timeout, "totalTimeout");
    return this;
  }

  /** Tests: the time source of every deadline (package-private: not API). */
  LlamaClientBuilder clock(Clock clock) {
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
    return new LlamaClient(new ClientContext(this));
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
