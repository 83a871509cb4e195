package io.github.llamaclient.examples.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ContextSizeExceededException;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.LlamaTimeoutException;
import io.github.llamaclient.Timings;
import io.github.llamaclient.TooManyStreamsException;
import io.github.llamaclient.Usage;
import io.github.llamaclient.examples.relay.RelayServer.Exchange;
import io.github.llamaclient.examples.relay.RelayServer.Reply;
import io.github.llamaclient.examples.relay.RelayServer.Request;
import io.github.llamaclient.session.ChatSession;
import io.github.llamaclient.session.HistoryBudget;
import io.github.llamaclient.session.SessionBusyException;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.session.SessionStore;
import io.github.llamaclient.session.StreamReplay;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A web relay between browsers and a llama-server: replies stream to the browser as Server-Sent
 * Events, and a static chat page is served at {@code /}.
 *
 * <ul>
 *   <li>{@code POST /api/llm/chat/stream}, stateless: {@code {"messages": [...], "temperature",
 *       "top_p", "max_tokens"}};
 *   <li>{@code POST /api/llm/chat/session/stream}: {@code {"session_id", "message",
 *       "system_prompt", "options": {"temperature", "top_p", "max_tokens"}}}, the history kept by
 *       a {@link SessionManager} (llama-client-session): in memory, or one JSON file per session
 *       when {@code RELAY_SESSIONS_DIR} is set. Each turn sends as much history as fits the
 *       server's context (a token-exact {@link HistoryBudget}); sessions expire and are capped.
 *       Each reply's stream is saved with it ({@link SessionManager.Builder#saveStreams(boolean)});
 *   <li>{@code GET /api/llm/chat/session/{id}/turns/{n}/replay?speed=2}: replays reply {@code n}
 *       (0 for the first) of a session as it streamed, at its original pace, {@code speed} times
 *       faster, or ({@code speed=max}) at once, in the same events; nothing is sent to llama-server.
 *       404 for an unknown session or turn, or a turn kept without its stream.
 * </ul>
 *
 * <p>All three answer {@code text/event-stream}: {@code data: {"content": "..."}} per piece, {@code
 * data: {"done": true, "finish_reason", "usage", "timings"}} at the end, {@code data: {"error":
 * "..."}} on failure (a short public message; the details go to the log under the same
 * reference), and {@code : keep-alive} comments while nothing else is sent. {@code reasoning} and
 * {@code progress} events are sent only when {@code RELAY_EVENTS} names them. A bad request gets a
 * 400 with a JSON error before any event; a relay at its limits a 503. Every API request needs
 * {@code Authorization: Bearer <token>}, checked on the request head, before the body is read.
 * When the browser goes away, the next write (an event or a heartbeat) fails and the upstream
 * stream is cancelled, so llama-server stops generating and a session's history stays as it was.
 *
 * <p>Threads: {@link RelayServer} reads requests on one selector thread and serves them on a fixed
 * pool; each stream's worker takes the reply's events from a {@link Flow.Publisher} one at a time
 * ({@code request(1)}) and writes them itself, so a slow browser slows only its own stream.
 *
 * <p>Run: {@code RELAY_TOKEN=secret java -cp "$(cat examples/target/classpath.txt):examples/target/classes"
 * io.github.llamaclient.examples.relay.WebRelay}, then open {@code http://127.0.0.1:8081/}.
 */
public final class WebRelay implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(WebRelay.class.getName());
  private static final String STATELESS = "/api/llm/chat/stream";
  private static final String SESSION = "/api/llm/chat/session/stream";
  private static final Map<String, String> STATIC =
      Map.of("/", "index.html", "/index.html", "index.html", "/chat.js", "chat.js");

  private final LlamaClient client;
  private final SessionManager sessions;
  private final RelayConfig config;
  private final LiveSessions live;
  private final Semaphore streams;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final RelayServer server;
  private final Waiting waiting;

  /** How a stream's worker waits for the next event, at most a heartbeat interval. */
  @FunctionalInterface
  interface Waiting {
    /** Waits in {@link BlockingQueue#poll(long, TimeUnit)}, in real time. */
    Waiting REAL = (queue, max) -> queue.poll(max.toNanos(), TimeUnit.NANOSECONDS);

    /**
     * The next item of {@code queue}, or null when none came within {@code max} (a heartbeat is
     * due).
     */
    @Nullable Object next(BlockingQueue<Object> queue, java.time.Duration max) throws InterruptedException;
  }

  /**
   * Starts serving.
   *
   * @param client the client to llama-server; not closed by the relay
   * @param sessions the sessions of the session endpoint, over the same client (see {@link
   *     #sessions(LlamaClient, RelayConfig)}); not closed by the relay
   * @param config where to listen, the token, CORS, the limits
   */
  WebRelay(LlamaClient client, SessionManager sessions, RelayConfig config) throws IOException {
    this(client, sessions, config, InstantSource.system(), Waiting.REAL);
  }

  /**
   * As above, on a given clock (session expiry) and a given way of waiting for the next event
   * (heartbeats): tests pass their own instead of waiting for time to pass.
   */
  WebRelay(LlamaClient client, SessionManager sessions, RelayConfig config, InstantSource clock, Waiting waiting)
      throws IOException {
    this.waiting = waiting;
    this.client = client;
    this.sessions = sessions;
    this.config = config;
    RelayConfig.Limits limits = config.limits();
    this.live = new LiveSessions(sessions, limits.maxSessions(), limits.sessionTtl(), clock);
    this.streams = new Semaphore(limits.maxStreams());
    for (String name : STATIC.values()) {
      try (InputStream in = WebRelay.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + name);
        }
        files.put(name, in.readAllBytes());
      }
    }
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "relay-sessions");
      t.setDaemon(true);
      return t;
    });
    s.setRemoveOnCancelPolicy(true);
    this.sweeper = s;
    long every = Math.max(1, Math.min(60, limits.sessionTtl().toSeconds() / 4));
    sweeper.scheduleWithFixedDelay(live::sweep, every, every, TimeUnit.SECONDS);
    this.server =
        new RelayServer(
            config.address(), limits.workers(), limits.maxConnections(), limits.requestTimeout(), this::gate, this::handle);
  }

  /**
   * Starts the relay with settings from the environment ({@code RELAY_TOKEN} required, {@code
   * RELAY_PORT}, {@code RELAY_HOST}, {@code RELAY_CORS_ORIGINS}, {@code RELAY_SESSIONS_DIR}, the
   * limits of {@link RelayConfig.Limits}, {@code RELAY_EVENTS}, and the client's {@code
   * LLAMA_SERVER_URL} etc.) and serves until the process ends.
   *
   * @param args not used
   * @throws IOException if the port cannot be bound
   */
  public static void main(String[] args) throws IOException {
    RelayConfig config;
    try {
      config = RelayConfig.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    LlamaClient client = LlamaClient.fromEnv();
    SessionManager sessions = sessions(client, config);
    WebRelay relay = new WebRelay(client, sessions, config);
    System.out.println("Relay for " + client.baseUrl() + " on http://" + relay.address().getHostString() + ":" + relay.address().getPort() + "/");
    try {
      new java.util.concurrent.CountDownLatch(1).await(); // the server's threads are daemons: serve until the process ends
    } catch (InterruptedException e) {
      relay.close();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The session manager for a relay: the history budget of the limits (the server's context less
   * the largest reply, or {@code historyTokens}), usage in every reply, and the sessions persisted
   * when a directory is configured.
   */
  static SessionManager sessions(LlamaClient client, RelayConfig config) {
    RelayConfig.Limits limits = config.limits();
    SessionManager.Builder b =
        SessionManager.builder(client)
            .historyBudget(
                limits.historyTokens() > 0
                    ? HistoryBudget.tokens(limits.historyTokens())
                    : HistoryBudget.contextWindow(limits.maxTokens()))
            .everyRequest(r -> r.includeUsage(true))
            .saveStreams(true); // for the replay endpoint
    if (config.sessionsDirectory() != null) {
      b.store(SessionStore.inDirectory(config.sessionsDirectory()));
    }
    return b.build();
  }

  /** The bound address (the port is the real one when 0 was asked for). */
  InetSocketAddress address() {
    return server.address();
  }

  /** How many sessions the relay keeps now. */
  int liveSessions() {
    return live.size();
  }

  /** The ids of the sessions the relay keeps (memory and store). */
  List<String> sessionIds() {
    return sessions.list();
  }

  /** Open connections now. */
  int connections() {
    return server.connections();
  }

  /** Stops listening, ends open exchanges. Does not close the client or the sessions. */
  @Override
  public void close() {
    server.close();
    sweeper.shutdownNow();
  }

  // ---------------------------------------------------------------- on the selector thread

  /** CORS, the preflight, static files, the token: all before the body is read. */
  private @Nullable Reply gate(Request head) {
    Map<String, String> h = cors(head);
    String file = STATIC.get(head.path());
    if (file != null) {
      if (!head.method().equals("GET") && !head.method().equals("HEAD")) {
        return jsonReply(405, h, "use GET");
      }
      h.put("Content-Type", file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8");
      h.put("Cache-Control", "no-cache");
      return new Reply(200, h, head.method().equals("HEAD") ? new byte[0] : files.get(file));
    }
    boolean replay = TurnReplays.matches(head.path());
    if (!head.path().equals(STATELESS) && !head.path().equals(SESSION) && !replay) {
      return jsonReply(404, h, "not found");
    }
    String method = replay ? "GET" : "POST";
    if (head.method().equals("OPTIONS")) { // the preflight carries no credentials
      if (!h.containsKey("Access-Control-Allow-Origin")) {
        return new Reply(403, h, new byte[0]);
      }
      h.put("Access-Control-Allow-Methods", method + ", OPTIONS");
      h.put("Access-Control-Allow-Headers", "Authorization, Content-Type");
      h.put("Access-Control-Max-Age", "600");
      return new Reply(204, h, new byte[0]);
    }
    if (!head.method().equals(method)) {
      h.put("Allow", method + ", OPTIONS");
      return jsonReply(405, h, "use " + method);
    }
    if (!authorized(head.header("Authorization"))) {
      h.put("WWW-Authenticate", "Bearer");
      return jsonReply(401, h, "missing or wrong bearer token");
    }
    return null; // read the body, then handle(...) on a worker
  }

  private Map<String, String> cors(Request head) {
    Map<String, String> h = new LinkedHashMap<>();
    String origin = head.header("Origin");
    if (origin != null && config.corsOrigins().contains(origin)) {
      h.put("Access-Control-Allow-Origin", origin);
      h.put("Vary", "Origin");
    }
    return h;
  }

  private boolean authorized(@Nullable String header) {
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, config.token().getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- on a worker

  private void handle(Request request, Exchange ex) throws IOException {
    Map<String, String> h = cors(request);
    if (TurnReplays.matches(request.path())) {
      TurnReplays.Lookup found = TurnReplays.find(sessions, request.path(), request.query());
      StreamReplay replay = found.replay();
      if (replay == null) {
        ex.send(jsonReply(found.status(), h, found.message()));
      } else {
        relay(ex, h, replay.publisher(), () -> {}); // a past turn, played as it streamed: nothing is sent upstream
      }
      return;
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.body());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      ex.send(jsonReply(400, h, "the body is not valid JSON: " + e.getOriginalMessage()));
      return;
    }
    if (body == null || !body.isObject()) {
      ex.send(jsonReply(400, h, "the body must be a JSON object"));
      return;
    }
    if (request.path().equals(STATELESS)) {
      ChatRequest chat;
      try {
        chat = statelessRequest(body);
      } catch (IllegalArgumentException e) {
        ex.send(jsonReply(400, h, e.getMessage()));
        return;
      }
      relay(ex, h, client.chat().publisher(chat), () -> {});
    } else {
      sessionTurn(ex, h, body);
    }
  }

  private void sessionTurn(Exchange ex, Map<String, String> h, JsonNode body) throws IOException {
    String id = text(body, "session_id");
    String message = text(body, "message");
    Consumer<ChatRequest.Builder> turnOptions;
    ChatSession session;
    try {
      if (id == null || id.isBlank() || message == null || message.isBlank()) {
        throw new IllegalArgumentException("\"session_id\" and \"message\" are required");
      }
      JsonNode options = body.path("options");
      if (!options.isMissingNode() && !options.isNull() && !options.isObject()) {
        throw new IllegalArgumentException("\"options\" must be an object");
      }
      turnOptions = r -> settings(options, r);
      turnOptions.accept(ChatRequest.builder()); // checked now, so a bad value is a 400, not an error event
      session = sessions.session(id); // IllegalArgumentException for an id it refuses
    } catch (IllegalArgumentException e) {
      ex.send(jsonReply(400, h, e.getMessage()));
      return;
    }
    live.begin(id);
    Runnable end = once(() -> live.end(id));
    try {
      String systemPrompt = text(body, "system_prompt");
      if (systemPrompt != null && !systemPrompt.isBlank() && !systemPrompt.equals(session.systemPrompt())) {
        session.systemPrompt(systemPrompt);
      }
      relay(ex, h, session.sendEventPublisher(List.of(ChatMessage.user(message)), turnOptions), end);
    } finally {
      end.run();
    }
  }

  // tag::relay[]
  /**
   * Streams a reply's events to the browser as SSE, one at a time: the worker asks for the next
   * event only when it has written the last, writes a heartbeat comment when none came for a
   * while, and cancels the reply (closing the upstream) when a write fails.
   */
  private void relay(Exchange ex, Map<String, String> h, Flow.Publisher<ChatEvent> reply, Runnable turnEnded)
      throws IOException {
    if (!streams.tryAcquire()) {
      ex.send(jsonReply(503, h, "the relay is busy; try again in a moment"));
      return;
    }
    EventQueue events = new EventQueue(waiting);
    try {
      h.put("Content-Type", "text/event-stream; charset=utf-8");
      h.put("Cache-Control", "no-cache");
      h.put("X-Accel-Buffering", "no"); // nginx: do not buffer this response
      try (OutputStream body = ex.stream(200, h)) {
        reply.subscribe(events); // a session's turn begins here
        ChatResult result = null;
        while (true) {
          Object next = events.poll(config.limits().heartbeat());
          if (next == null) {
            comment(body, "keep-alive"); // the model is thinking: keep proxies and browsers waiting
          } else if (next instanceof ChatEvent) {
            if (next instanceof ChatEvent.Done) {
              result = ((ChatEvent.Done) next).result(); // sent once the turn has committed
            } else {
              write(body, (ChatEvent) next);
            }
            events.request();
          } else if (next instanceof Throwable) {
            turnEnded.run(); // before the browser learns of the end, so its next request finds the turn over
            event(body, JSON.createObjectNode().put("error", publicMessage((Throwable) next)));
            break;
          } else { // complete
            turnEnded.run();
            event(body, result == null ? JSON.createObjectNode().put("done", true) : done(result));
            break;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      events.cancel(); // the browser went away: llama-server stops, the history stays as it was
      throw e;
    } catch (InterruptedException e) {
      events.cancel();
      Thread.currentThread().interrupt();
    } finally {
      streams.release();
    }
  }
  // end::relay[]

  /** Runs {@code r} the first time it is called, never again. */
  private static Runnable once(Runnable r) {
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        r.run();
      }
    };
  }

  private void write(OutputStream body, ChatEvent e) throws IOException {
    if (e instanceof ChatEvent.Content) {
      event(body, JSON.createObjectNode().put("content", ((ChatEvent.Content) e).text()));
    } else if (e instanceof ChatEvent.Reasoning && config.events().contains("reasoning")) {
      event(body, JSON.createObjectNode().put("reasoning", ((ChatEvent.Reasoning) e).text()));
    } else if (e instanceof ChatEvent.Progress && config.events().contains("progress")) {
      ChatEvent.Progress p = (ChatEvent.Progress) e;
      ObjectNode n = JSON.createObjectNode();
      n.putObject("progress").put("total", p.total()).put("cache", p.cache()).put("processed", p.processed()).put("time_ms", p.timeMs());
      event(body, n);
    }
  }

  private static ObjectNode done(ChatResult r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("done", true);
    n.put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT));
    Usage u = r.usage();
    if (u != null) {
      n.putObject("usage")
          .put("prompt_tokens", u.promptTokens())
          .put("completion_tokens", u.completionTokens())
          .put("total_tokens", u.totalTokens());
    }
    Timings t = r.timings();
    if (t != null) {
      n.putObject("timings")
          .put("prompt_n", t.promptN())
          .put("prompt_ms", t.promptMs())
          .put("predicted_n", t.predictedN())
          .put("predicted_ms", t.predictedMs())
          .put("predicted_per_second", t.predictedPerSecond());
    }
    return n;
  }

  private static void event(OutputStream body, ObjectNode data) throws IOException {
    body.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    body.flush();
  }

  private static void comment(OutputStream body, String text) throws IOException {
    body.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
    body.flush();
  }

  /**
   * What the browser is told: what happened in a user's words, with a reference to the log entry
   * that holds the details (upstream address, server messages, stack trace).
   */
  static String publicMessage(Throwable e) {
    String ref = UUID.randomUUID().toString().substring(0, 8);
    LOG.log(System.Logger.Level.WARNING, "reply failed (ref " + ref + ")", e);
    String what;
    if (e instanceof ContextSizeExceededException) {
      what = "the message is too long for the model";
    } else if (e instanceof SessionBusyException) {
      what = "this conversation is still answering another message";
    } else if (e instanceof TooManyStreamsException) {
      what = "the model is busy; try again in a moment";
    } else if (e instanceof LlamaConnectException) {
      what = "the model server is not reachable";
    } else if (e instanceof LlamaTimeoutException) {
      what = "the model server did not answer in time";
    } else if (e instanceof LlamaHttpException) {
      what = "the model server refused the request (HTTP " + ((LlamaHttpException) e).statusCode() + ")";
    } else if (e instanceof LlamaException) {
      what = "the model server failed while answering";
    } else {
      what = "the relay failed";
    }
    return what + " (ref " + ref + ")";
  }

  private ChatRequest statelessRequest(JsonNode body) {
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new IllegalArgumentException("\"messages\" must be a non-empty array");
    }
    List<ChatMessage> list = new ArrayList<>();
    for (JsonNode m : messages) {
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
        throw new IllegalArgumentException("each message needs a text \"role\" and \"content\"");
      }
      list.add(ChatMessage.of(role.asText(), content.asText()));
    }
    ChatRequest.Builder b = ChatRequest.builder().messages(list).includeUsage(true);
    settings(body, b);
    return b.build();
  }

  /**
   * temperature, top_p, max_tokens (at most the limit, which is also the default) into {@code b};
   * progress events when they are on. The builder checks the ranges and says what is wrong.
   */
  private void settings(JsonNode n, ChatRequest.Builder b) {
    if (n.hasNonNull("temperature")) {
      b.temperature(number(n, "temperature"));
    }
    if (n.hasNonNull("top_p")) {
      b.topP(number(n, "top_p"));
    }
    int max = config.limits().maxTokens();
    if (n.hasNonNull("max_tokens")) {
      JsonNode v = n.get("max_tokens");
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        throw new IllegalArgumentException("\"max_tokens\" must be a whole number");
      }
      if (v.asInt() > max) {
        throw new IllegalArgumentException("\"max_tokens\" must be at most " + max + ", was " + v.asInt());
      }
      b.maxTokens(v.asInt());
    } else {
      b.maxTokens(max);
    }
    if (config.events().contains("progress")) {
      b.returnProgress(true);
    }
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (!v.isNumber()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a number");
    }
    return v.asDouble();
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static Reply jsonReply(int status, Map<String, String> headers, @Nullable String message) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", "application/json; charset=utf-8");
    try {
      return new Reply(status, h, JSON.writeValueAsBytes(Map.of("error", message == null ? "bad request" : message)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Hands a publisher's signals to the worker: one event at a time ({@code request(1)} after each
   * is taken), then a {@link Throwable} or {@link #COMPLETE}.
   */
  private static final class EventQueue implements Flow.Subscriber<ChatEvent> {
    private static final Object COMPLETE = new Object();
    private final java.util.concurrent.LinkedBlockingQueue<Object> queue = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Waiting waiting;
    private volatile Flow.@Nullable Subscription subscription;
    private volatile boolean cancelled;

    EventQueue(Waiting waiting) {
      this.waiting = waiting;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(ChatEvent item) {
      queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
      queue.add(t);
    }

    @Override
    public void onComplete() {
      queue.add(COMPLETE);
    }

    @Nullable Object poll(java.time.Duration timeout) throws InterruptedException {
      return waiting.next(queue, timeout);
    }

    void request() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.request(1);
      }
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }
}
