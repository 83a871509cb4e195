package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.ConnectGate;
import io.github.llamaclient.internal.exchange.Engine;
import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Secrets;
import io.github.llamaclient.internal.exchange.Transport;
import io.github.llamaclient.internal.http1.Http1Transport;
import io.github.llamaclient.internal.http1.NioTransport;
import io.github.llamaclient.internal.jdk.JdkTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * What every facet of one {@link LlamaClient} shares: the settings, the engine, the stream limiter,
 * the open exchanges, and the request factory. Not API: facets reach the engine only through here.
 */
final class ClientContext {

  /** The longest a GET of the server's state (health, props, slots, models, metrics) waits for its head. */
  private static final Duration SMALL_GET_LIMIT = Duration.ofSeconds(30);

  /** Runs tasks on the calling thread: the HTTP client's own I/O thread, or a consumer's. */
  private static final Executor DIRECT = Runnable::run;

  private final URI baseUrl; // without credentials
  private final @Nullable String authorization; // the Authorization header value
  private final Secrets secrets;
  private final HttpClient http;
  private final boolean ownsHttp;
  private final @Nullable DeliveryPool ownCallbackExecutor;
  private final Executor callbackExecutor;
  private final ConnectGate gate; // the limit on connects in progress, shared by both transports
  /** Where the push faces' reading threads come from (virtual threads), or null: they read on the reader threads or through java.net.http. */
  private final @Nullable ThreadFactory pushPumps;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Duration idleTimeout;
  private final int maxResponseChars;
  private final ClientDefaults defaults;
  private final @Nullable StreamLimiter limiter;
  private final Engine engine;
  private final Clock clock;
  private final boolean checkModalities;
  /** What /props said about vision and audio, looked up at the first request with media; null until then. */
  private volatile @Nullable ServerProps modalities;
  /** Exchanges open now: close() cancels them. */
  private final Set<Exchange<?>> live = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  /** The servers: one (no routing), or several, each request routed by the fleet. */
  private final Fleet fleet;
  private final boolean routed;

  ClientContext(LlamaClientBuilder b) {
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
    this.maxResponseChars = b.maxResponseChars;
    this.clock = b.clock;
    this.checkModalities = b.checkModalities;
    this.routed = b.servers.size() > 1;
    this.fleet = new Fleet(this, b.servers.isEmpty() ? java.util.List.of(b.baseUrl) : b.servers, b.probeInterval, routed);
    this.defaults =
        new ClientDefaults(b.defaultModel, b.defaultMaxTokens, b.defaultTemperature, Map.copyOf(b.defaultParameters));
    if (b.maxConcurrentStreams > 0) {
      int max = b.maxConcurrentStreams;
      this.limiter = new StreamLimiter(b.clock, () -> max, b.maxQueuedStreams, b.queueTimeout);
    } else if (b.concurrencyFromServerSlots && routed) {
      Fleet f = fleet;
      this.limiter = new StreamLimiter(b.clock, f::totalSlots, b.maxQueuedStreams, b.queueTimeout);
    } else if (b.concurrencyFromServerSlots) {
      ServerApi server = new ServerApi(this);
      this.limiter = new StreamLimiter(b.clock, () -> server.props().totalSlots(), b.maxQueuedStreams, b.queueTimeout);
    } else {
      this.limiter = null;
    }
    int id = DaemonFactory.nextClient();
    if (b.callbackExecutor != null) {
      this.callbackExecutor = b.callbackExecutor;
      this.ownCallbackExecutor = null;
    } else {
      this.ownCallbackExecutor = new DeliveryPool(b.callbackThreads, new DaemonFactory(id, "callback"));
      this.callbackExecutor = ownCallbackExecutor;
    }
    HttpClient own = b.http;
    if (own != null) {
      this.http = own;
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
    ConnectGate gate = this.gate = new ConnectGate(b.maxConcurrentConnects); // one per client: both transports count
    Transport jdk = new JdkTransport(http, gate);
    boolean ownReader = b.readOnConsumingThread && own == null && readsOnConsumer(baseUrl);
    Transport pulled = ownReader ? new Http1Transport(connectTimeout, b.clock, gate) : jdk;
    this.pushPumps = ownReader && b.pushOnVirtualThreads ? VirtualThreads.factory(DaemonFactory.prefix(id, "push")) : null;
    // not on virtual threads (the default, and JDK 17): the push faces share a few selector threads
    Transport pushed =
        ownReader && pushPumps == null
            ? new NioTransport(connectTimeout, b.clock, gate, b.pushReaderThreads, new DaemonFactory(id, "reader"))
            : jdk;
    this.engine =
        new Engine(
            b.clock,
            connectTimeout,
            responseTimeout,
            idleTimeout,
            b.totalTimeout,
            b.maxLineBytes,
            b.wireListener,
            pulled,
            pushed,
            secrets,
            failure -> failure.redactedWith(secrets));
    fleet.start();
  }

  // ---------------------------------------------------------------- starting exchanges

  /**
   * Starts a streamed exchange. The single place every streamed request goes through: with a
   * stream limit, the exchange may wait in the limiter's queue (or be refused) instead of starting now.
   */
  void launch(Exchange<?> exchange) {
    if (refusedWhenClosed(exchange)) {
      return;
    }
    track(exchange);
    if (routed) {
      fleet.attach(exchange, exchange.affinity());
    }
    StreamLimiter l = limiter;
    if (l == null) {
      exchange.start();
    } else {
      l.launch(exchange);
    }
  }

  /**
   * Starts an exchange whose consumer pulls: where the consuming thread reads the connection
   * itself, the request goes out now, on this thread (unless the limiter makes it wait).
   */
  void launchPulled(Exchange<?> exchange) {
    launch(exchange);
    exchange.sendNow();
  }

  /**
   * Starts a small (not streamed) exchange: no stream limit applies. A pulled one is then stepped
   * by the caller.
   *
   * @param routed false for a request to the very server it names (a probe of one server)
   */
  void startSmall(Exchange<?> exchange, boolean routed) {
    if (refusedWhenClosed(exchange)) {
      return;
    }
    track(exchange);
    if (routed && this.routed) {
      fleet.attach(exchange, exchange.affinity());
    }
    exchange.start();
  }

  private boolean refusedWhenClosed(Exchange<?> exchange) {
    if (closed) {
      exchange.reject(new LlamaException("this LlamaClient is closed; build a new one"));
    }
    return closed;
  }

  /** Keeps the exchange in the live set until it ends, so close() can cancel it. */
  private void track(Exchange<?> exchange) {
    live.add(exchange);
    exchange.onTerminate(() -> live.remove(exchange));
    if (closed) { // closed meanwhile: close() may have missed this one
      exchange.cancel();
    }
  }

  // ---------------------------------------------------------------- requests

  /** A streamed or whole chat request to {@code /v1/chat/completions}, with the client's defaults. */
  Request chat(ChatRequest request, boolean stream) {
    Request r = post("/v1/chat/completions", RequestJson.chatBody(request, stream, defaults), stream, false, request.responseTimeout());
    String key = request.affinity();
    return key == null ? r : new Request(r.http(), r.body(), r.stream(), r.idempotent(), key);
  }

  /**
   * Refuses a request with an image or audio part that the server cannot take, as its {@code
   * /props} says (looked up once, at the first request with media; see {@link
   * LlamaClientBuilder#checkModalities(boolean)}).
   */
  void checkModalities(ChatRequest request) {
    if (!checkModalities) {
      return;
    }
    boolean image = false;
    boolean audio = false;
    for (ChatMessage m : request.messages()) {
      image |= m.has(ContentPart.Image.class);
      audio |= m.has(ContentPart.Audio.class);
    }
    if (!image && !audio) {
      return;
    }
    ServerProps props = modalities;
    if (props == null) {
      try {
        props = new ServerApi(this).props();
      } catch (LlamaConnectException | StreamCancelledException e) {
        throw e;
      } catch (LlamaException e) {
        return; // no /props here (an old server, a proxy): the server decides, and its refusal is typed too
      }
      modalities = props;
    }
    if (image && !props.vision()) {
      throw new ModalityNotSupportedException("image", shown(baseUrl), null);
    }
    if (audio && !props.audio()) {
      throw new ModalityNotSupportedException("audio", shown(baseUrl), null);
    }
  }

  /** A POST that does work on the server: never sent twice unless the connection provably died unused. */
  Request post(String path, byte[] body, boolean stream) {
    return post(path, body, stream, false, null);
  }

  /**
   * A POST; {@code idempotent} for the ones that only compute (tokenize, detokenize, templates);
   * its own response timeout, or null for the client's.
   */
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

  /** A GET of the server's state. */
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

  /** A GET of one server's state for the fleet's prober, with its own response limit. */
  Request probe(URI base, String path, Duration limit) {
    HttpRequest.Builder b = HttpRequest.newBuilder(Request.resolve(base, path)).version(HttpClient.Version.HTTP_1_1).header("Accept", "application/json").timeout(limit).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return new Request(b.build(), new byte[0], false, true);
  }

  /** The base URL with {@code path} appended (the base may carry a prefix such as /llama). */
  private URI resolve(String path) {
    return Request.resolve(baseUrl, path);
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

  // ---------------------------------------------------------------- accessors

  /** The client's default model, token limit, temperature and parameters. */
  ClientDefaults defaults() {
    return defaults;
  }

  /** The engine every exchange of this client runs on. */
  Engine engine() {
    return engine;
  }

  /** The time source of every deadline of this client. */
  Clock clock() {
    return clock;
  }

  @Nullable StreamLimiter limiter() {
    return limiter;
  }

  /** Where Publisher and callback faces deliver their signals. */
  Executor callbackExecutor() {
    return callbackExecutor;
  }

  /**
   * Where the push faces' reading threads come from: non-null when they read over our HTTP/1.1
   * transport on one virtual thread per stream ({@link LlamaClientBuilder#pushOnVirtualThreads});
   * null when they read on the reader threads or through {@code java.net.http}.
   */
  @Nullable ThreadFactory pushPumps() {
    return pushPumps;
  }

  /** Whether the push faces read over our own transport's reader threads (their reading may run ahead of the delivery). */
  boolean pushReadsAhead() {
    return engine.pushed() instanceof NioTransport;
  }

  /** Whether the delivery executor is the client's own pool, which a stream may queue itself on again. */
  boolean ownDeliveryPool() {
    return ownCallbackExecutor != null;
  }

  int maxResponseChars() {
    return maxResponseChars;
  }

  /** The one redactor of this client's secrets: every failure passes it before a caller sees it. */
  Secrets secrets() {
    return secrets;
  }

  /** A URI as messages show it: without credentials. */
  String shown(URI uri) {
    return secrets.redactUrl(uri.toString());
  }

  URI baseUrl() {
    return baseUrl;
  }

  /** The servers and what the client knows of them. */
  Fleet fleet() {
    return fleet;
  }

  /** Connects in progress now to the base URL's server (tests). */
  int connectsInProgress() {
    return gate.inProgress(baseUrl);
  }

  /** Push streams paused for their consumer on the reader threads, or -1 when the push faces do not use them (tests). */
  int pausedPushReads() {
    Transport p = engine.pushed();
    return p instanceof NioTransport ? ((NioTransport) p).paused() : -1;
  }

  /** Connects waiting for a place now, to the base URL's server (tests). */
  int connectsWaiting() {
    return gate.waiting(baseUrl);
  }

  /** The exchanges open now (tests: none is kept once it ended). */
  int openExchanges() {
    return live.size();
  }

  Duration connectTimeout() {
    return connectTimeout;
  }

  Duration responseTimeout() {
    return responseTimeout;
  }

  Duration idleTimeout() {
    return idleTimeout;
  }

  /** How {@code toString()} names the authorization: never its value. */
  String authorizationShown() {
    return authorization == null ? "apiKey=none" : authorization.startsWith("Basic ") ? "basic auth=***" : "apiKey=***";
  }

  /** See {@link LlamaClient#close()}. */
  void close() {
    closed = true;
    fleet.close();
    for (Exchange<?> e : live) {
      e.cancel(); // open exchanges: their connections close now
    }
    engine.close();
    DeliveryPool callbacks = ownCallbackExecutor;
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

  /** Names the client's own daemon threads. */
  private static final class DaemonFactory implements ThreadFactory {
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    private final String prefix;
    private final AtomicInteger threads = new AtomicInteger();

    DaemonFactory(int client, String kind) {
      this.prefix = prefix(client, kind);
    }

    /** A number for a new client, in its threads' names. */
    static int nextClient() {
      return CLIENTS.incrementAndGet();
    }

    /** The name prefix of one client's threads of one kind. */
    static String prefix(int client, String kind) {
      return "llama-client-" + client + "-" + kind + "-";
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, prefix + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
