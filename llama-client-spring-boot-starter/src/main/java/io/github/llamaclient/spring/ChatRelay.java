package io.github.llamaclient.spring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.session.ChatSession;
import io.github.llamaclient.session.SessionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The web-stack-neutral half of the endpoints: reads a request body into the reply's event
 * publisher (nothing is sent upstream until it is subscribed), and admits callers through the
 * {@link RateLimiter}. The MVC and WebFlux controllers only adapt it. Thread-safe.
 */
final class ChatRelay {
  static final String STATELESS = "/api/llm/chat/stream";
  static final String SESSION = "/api/llm/chat/session/stream";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LlamaClient client;
  private final SessionManager sessions;
  private final LlamaProperties.Web web;
  private final RelayEvents events;
  private final RateLimiter limiter;
  private final StreamObserver observer;

  ChatRelay(
      LlamaClient client,
      SessionManager sessions,
      LlamaProperties.Web web,
      RateLimiter limiter,
      StreamObserver observer) {
    this.client = client;
    this.sessions = sessions;
    this.web = web;
    this.events = new RelayEvents(web.getEvents(), web.getProgressEvery());
    this.limiter = limiter;
    this.observer = observer;
  }

  /**
   * A reply not yet subscribed, and how its events become the browser's.
   *
   * @param events the reply's events (observed by the {@link StreamObserver})
   * @param turn maps them to payloads
   */
  record Reply(Flow.Publisher<ChatEvent> events, RelayEvents.Turn turn) {}

  LlamaProperties.Web web() {
    return web;
  }

  /** Admits one stream of {@code caller} or says why not; never blocks. */
  RateLimiter.Admission admit(String caller) {
    return limiter.admit(caller);
  }

  /**
   * The reply to a stateless request: {@code {"messages": [{"role", "content"}], "temperature",
   * "top_p", "max_tokens"}}.
   *
   * @throws IllegalArgumentException if the body is not such a request (the message says what is
   *     wrong, for a 400)
   */
  Reply stateless(byte[] body) {
    JsonNode n = object(body);
    JsonNode messages = n.get("messages");
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
    int maxTokens = settings(n, b);
    return new Reply(observer.observe(client.chat().publisher(b.build())), events.turn(maxTokens));
  }

  /**
   * The reply to a session turn: {@code {"session_id", "message", "system_prompt", "options":
   * {"temperature", "top_p", "max_tokens"}}}. The turn begins when the publisher is subscribed.
   *
   * @throws IllegalArgumentException if the body is not such a request
   */
  Reply sessionTurn(byte[] body) {
    JsonNode n = object(body);
    String id = text(n, "session_id");
    String message = text(n, "message");
    if (id == null || id.isBlank() || message == null || message.isBlank()) {
      throw new IllegalArgumentException("\"session_id\" and \"message\" are required");
    }
    JsonNode options = n.path("options");
    if (!options.isMissingNode() && !options.isNull() && !options.isObject()) {
      throw new IllegalArgumentException("\"options\" must be an object");
    }
    Consumer<ChatRequest.Builder> turnOptions = r -> settings(options, r);
    int maxTokens = settings(options, ChatRequest.builder()); // checked now: a bad value is a 400, not an error event
    ChatSession session = sessions.session(id); // IllegalArgumentException for an id it refuses
    String systemPrompt = text(n, "system_prompt");
    if (systemPrompt != null && !systemPrompt.isBlank() && !systemPrompt.equals(session.systemPrompt())) {
      session.systemPrompt(systemPrompt);
    }
    return new Reply(
        observer.observe(session.sendEventPublisher(List.of(ChatMessage.user(message)), turnOptions)), events.turn(maxTokens));
  }

  /**
   * temperature, top_p, max_tokens (at most the configured limit, which is also the default); with
   * progress events on, prompt progress and timings per token.
   *
   * @return the max_tokens set
   */
  private int settings(JsonNode n, ChatRequest.Builder b) {
    if (n.hasNonNull("temperature")) {
      b.temperature(number(n, "temperature"));
    }
    if (n.hasNonNull("top_p")) {
      b.topP(number(n, "top_p"));
    }
    int max = web.getMaxTokens();
    if (n.hasNonNull("max_tokens")) {
      JsonNode v = n.get("max_tokens");
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        throw new IllegalArgumentException("\"max_tokens\" must be a whole number");
      }
      if (v.asInt() > max) {
        throw new IllegalArgumentException("\"max_tokens\" must be at most " + max + ", was " + v.asInt());
      }
      max = v.asInt();
    }
    b.maxTokens(max);
    if (events.progress()) {
      b.returnProgress(true).timingsPerToken(true);
    }
    return max;
  }

  private static JsonNode object(byte[] body) {
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("the body cannot be read", e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("the body must be a JSON object");
    }
    return n;
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
}
