package io.github.llamaclient.examples.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.SseFrames;
import io.github.llamaclient.session.ChatSession;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.session.SessionStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A web relay between browsers and a llama-server, on the JDK's own HTTP server: replies stream to
 * the browser as Server-Sent Events ({@link SseFrames}), and a static chat page is served at
 * {@code /}.
 *
 * <ul>
 *   <li>{@code POST /api/llm/chat/stream}, stateless: {@code {"messages": [...], "temperature",
 *       "top_p", "max_tokens"}};
 *   <li>{@code POST /api/llm/chat/session/stream}: {@code {"session_id", "message",
 *       "system_prompt", "options": {"temperature", "top_p", "max_tokens"}}}, the history kept by
 *       a {@link SessionManager} (llama-client-session): in memory, or one JSON file per session
 *       when {@code RELAY_SESSIONS_DIR} is set.
 * </ul>
 *
 * <p>Both answer {@code text/event-stream}: {@code data: {"content": "..."}} per piece, {@code
 * data: {"done": true}} at the end, {@code data: {"error": "..."}} on failure; a bad request gets a
 * 400 with a JSON error before any event. Every API request needs {@code Authorization: Bearer
 * <token>}. When the browser goes away, the next write fails and the upstream stream is closed,
 * so llama-server stops generating (and a session's history stays as it was).
 *
 * <p>Threads: each exchange runs on its own handler thread, which pulls the reply ({@code
 * Stream<String>}) and writes it to the browser. Nothing is written from the client's callbacks
 * (their threads are shared by all streams), so a slow browser holds back only its own stream,
 * through flow control.
 *
 * <p>Run: {@code RELAY_TOKEN=secret java -cp "$(cat examples/target/classpath.txt):examples/target/classes"
 * io.github.llamaclient.examples.relay.WebRelay}, then open {@code http://127.0.0.1:8081/}.
 */
public final class WebRelay implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(WebRelay.class.getName());

  private final LlamaClient client;
  private final SessionManager sessions;
  private final RelayConfig config;
  private final HttpServer server;
  private final ExecutorService executor;

  /**
   * Starts serving.
   *
   * @param client the client to llama-server; not closed by the relay
   * @param sessions the sessions of the session endpoint, over the same client; not closed by the relay
   * @param config where to listen, the token, CORS
   */
  WebRelay(LlamaClient client, SessionManager sessions, RelayConfig config) throws IOException {
    this.client = client;
    this.sessions = sessions;
    this.config = config;
    this.server = HttpServer.create(config.address(), 0);
    // one thread per open stream: the JDK server's default runs every exchange on one thread
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "relay-exchange");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/api/llm/chat/stream", ex -> api(ex, this::statelessStream));
    server.createContext("/api/llm/chat/session/stream", ex -> api(ex, this::sessionStream));
    server.createContext("/", this::staticFile);
    server.start();
  }

  /**
   * Starts the relay with settings from the environment ({@code RELAY_TOKEN} required, {@code
   * RELAY_PORT}, {@code RELAY_HOST}, {@code RELAY_CORS_ORIGINS}, and the client's {@code
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
  }

  /** The session manager for a relay: its sessions persisted when a directory is configured. */
  static SessionManager sessions(LlamaClient client, RelayConfig config) {
    SessionManager.Builder b = SessionManager.builder(client);
    if (config.sessionsDirectory() != null) {
      b.store(SessionStore.inDirectory(config.sessionsDirectory()));
    }
    return b.build();
  }

  /** The bound address (the port is the real one when 0 was asked for). */
  InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops listening, ends open exchanges. Does not close the client. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Parses a request body into the reply stream to relay. */
  @FunctionalInterface
  private interface Endpoint {
    Stream<String> open(JsonNode body);
  }

  /** CORS, the preflight, the token, the body; then the reply as SSE. */
  private void api(HttpExchange ex, Endpoint endpoint) throws IOException {
    try (ex) {
      String origin = ex.getRequestHeaders().getFirst("Origin");
      boolean allowedOrigin = origin != null && config.corsOrigins().contains(origin);
      Headers h = ex.getResponseHeaders();
      if (allowedOrigin) {
        h.set("Access-Control-Allow-Origin", origin);
        h.set("Vary", "Origin");
      }
      if (ex.getRequestMethod().equals("OPTIONS")) { // the preflight carries no credentials
        if (!allowedOrigin) {
          ex.sendResponseHeaders(403, -1);
          return;
        }
        h.set("Access-Control-Allow-Methods", "POST, OPTIONS");
        h.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
        h.set("Access-Control-Max-Age", "600");
        ex.sendResponseHeaders(204, -1);
        return;
      }
      if (!ex.getRequestMethod().equals("POST")) {
        h.set("Allow", "POST, OPTIONS");
        jsonError(ex, 405, "use POST");
        return;
      }
      if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
        h.set("WWW-Authenticate", "Bearer");
        jsonError(ex, 401, "missing or wrong bearer token");
        return;
      }
      Stream<String> reply;
      try (InputStream in = ex.getRequestBody()) {
        JsonNode body = JSON.readTree(in.readNBytes(1 << 20));
        if (body == null || !body.isObject()) {
          throw new IllegalArgumentException("the body must be a JSON object");
        }
        reply = endpoint.open(body);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        jsonError(ex, 400, "the body is not valid JSON: " + e.getOriginalMessage());
        return;
      } catch (IllegalArgumentException e) {
        jsonError(ex, 400, e.getMessage());
        return;
      }
      relay(ex, reply);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "relay exchange failed", e);
    }
  }

  // tag::relay[]
  /** Streams the reply to the browser as SSE; the browser going away cancels the upstream. */
  private static void relay(HttpExchange ex, Stream<String> reply) throws IOException {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", "text/event-stream; charset=utf-8");
    h.set("Cache-Control", "no-cache");
    h.set("X-Accel-Buffering", "no"); // nginx: do not buffer this response
    ex.sendResponseHeaders(200, 0); // 0: chunked, written as it comes
    try (OutputStream body = ex.getResponseBody()) {
      SseFrames.to(body).relay(reply); // a flush per event; closes the reply, and so the upstream
    } catch (IOException e) {
      // the browser went away: relay(...) has closed the reply, llama-server stops generating
    }
  }
  // end::relay[]

  private boolean authorized(@Nullable String header) {
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, config.token().getBytes(StandardCharsets.UTF_8));
  }

  private Stream<String> statelessStream(JsonNode body) {
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
    ChatRequest.Builder b = ChatRequest.builder().messages(list);
    settings(body, b);
    return client.generateStream(b.build());
  }

  private Stream<String> sessionStream(JsonNode body) {
    String id = text(body, "session_id");
    String message = text(body, "message");
    if (id == null || id.isBlank() || message == null || message.isBlank()) {
      throw new IllegalArgumentException("\"session_id\" and \"message\" are required");
    }
    JsonNode options = body.path("options");
    if (!options.isMissingNode() && !options.isNull() && !options.isObject()) {
      throw new IllegalArgumentException("\"options\" must be an object");
    }
    Consumer<ChatRequest.Builder> turnOptions = r -> settings(options, r);
    turnOptions.accept(ChatRequest.builder()); // checked now, so a bad value is a 400, not an error event
    ChatSession session = sessions.session(id); // IllegalArgumentException for an id it refuses
    String systemPrompt = text(body, "system_prompt");
    if (systemPrompt != null && !systemPrompt.isBlank() && !systemPrompt.equals(session.systemPrompt())) {
      session.systemPrompt(systemPrompt);
    }
    return sessions.processMessageStream(id, message, turnOptions);
  }

  /** temperature, top_p, max_tokens into {@code b}; the builder checks the ranges and says what is wrong. */
  private static void settings(JsonNode n, ChatRequest.Builder b) {
    if (n.hasNonNull("temperature")) {
      b.temperature(number(n, "temperature"));
    }
    if (n.hasNonNull("top_p")) {
      b.topP(number(n, "top_p"));
    }
    if (n.hasNonNull("max_tokens")) {
      JsonNode v = n.get("max_tokens");
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        throw new IllegalArgumentException("\"max_tokens\" must be a whole number");
      }
      b.maxTokens(v.asInt());
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

  private static void jsonError(HttpExchange ex, int status, String message) throws IOException {
    byte[] body = JSON.writeValueAsBytes(Map.of("error", message));
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static final Map<String, String> STATIC =
      Map.of("/", "index.html", "/index.html", "index.html", "/chat.js", "chat.js");

  private void staticFile(HttpExchange ex) throws IOException {
    try (ex) {
      String name = STATIC.get(ex.getRequestURI().getPath());
      if (name == null || !ex.getRequestMethod().equals("GET")) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      byte[] bytes;
      try (InputStream in = WebRelay.class.getResourceAsStream(name)) {
        if (in == null) {
          ex.sendResponseHeaders(500, -1);
          return;
        }
        bytes = in.readAllBytes();
      }
      ex.getResponseHeaders()
          .set("Content-Type", name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
