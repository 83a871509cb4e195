package io.github.llamaclient.spring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * The relay over one WebSocket ({@code /api/llm/chat/ws}): many turns per socket, one at a time.
 * The browser sends a text message with the body of either SSE endpoint (with {@code session_id}
 * and {@code message} it is a session turn, else {@code messages} makes a stateless one), or
 * {@code {"cancel": true}} to stop the turn that is streaming. The server answers with the same
 * JSON as the SSE events, one per text message: {@code content} pieces, then {@code done} or
 * {@code error}. A refused turn (rate limit, bad request, a turn already streaming) gets one
 * {@code error} message and the socket stays open. Heartbeats are WebSocket pings; a socket that
 * closes cancels its turn, so llama-server stops.
 */
final class ChatSocketHandler extends TextWebSocketHandler {
  static final String PATH = "/api/llm/chat/ws";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Sends that may wait for a slow browser before the socket is closed. */
  private static final int SEND_TIME_LIMIT_MS = 30_000;
  private static final int BUFFER_LIMIT = 1 << 20;
  /** The answer to {@code cancel}: the seed's done event, with the reason. */
  static final String CANCELLED = "{\"done\":true,\"finish_reason\":\"cancelled\"}";

  private final ChatRelay relay;
  private final CallerKeyResolver callers;
  private final StreamObserver observer;
  private final ExecutorService pumps;
  private final Map<String, Socket> sockets = new ConcurrentHashMap<>();

  ChatSocketHandler(ChatRelay relay, CallerKeyResolver callers, StreamObserver observer) {
    this.relay = relay;
    this.callers = callers;
    this.observer = observer;
    this.pumps = EventPump.threads();
  }

  /** Ends the running turns (their threads are interrupted, which cancels the replies). */
  void close() {
    pumps.shutdownNow();
  }

  /** One socket's sender (thread-safe) and its running turn. */
  private static final class Socket {
    final WebSocketSession out;
    volatile @Nullable EventPump turn;

    Socket(WebSocketSession out) {
      this.out = out;
    }
  }

  @Override
  public void afterConnectionEstablished(WebSocketSession session) {
    sockets.put(session.getId(), new Socket(new ConcurrentWebSocketSessionDecorator(session, SEND_TIME_LIMIT_MS, BUFFER_LIMIT)));
  }

  @Override
  protected void handleTextMessage(WebSocketSession session, TextMessage message) throws IOException {
    Socket socket = sockets.get(session.getId());
    if (socket == null) {
      return;
    }
    byte[] body = message.getPayload().getBytes(StandardCharsets.UTF_8);
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      n = null;
    }
    if (n != null && n.path("cancel").asBoolean(false)) {
      EventPump running = socket.turn;
      if (running != null) {
        running.cancel(); // llama-server stops; the pump writes nothing more for this turn
        try {
          running.awaitEnd(java.time.Duration.ofMillis(SEND_TIME_LIMIT_MS)); // a write under way ends first
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        socket.turn = null;
        send(socket, CANCELLED);
      }
      return;
    }
    if (socket.turn != null) {
      send(socket, RelayEvents.error("a reply is still streaming; send {\"cancel\": true} first"));
      return;
    }
    RateLimiter.Admission admission = relay.admit(callers.resolve(caller(session)));
    if (!admission.isAdmitted()) {
      observer.refused(admission.reason());
      send(socket, RelayEvents.error(Responses.refusal(admission)));
      return;
    }
    ChatRelay.Reply reply;
    try {
      reply = n != null && n.has("session_id") ? relay.sessionTurn(body) : relay.stateless(body);
    } catch (IllegalArgumentException e) {
      admission.release();
      send(socket, RelayEvents.error(String.valueOf(e.getMessage())));
      return;
    } catch (RuntimeException e) {
      admission.release();
      send(socket, RelayEvents.error(RelayEvents.publicMessage(e)));
      return;
    }
    EventPump[] self = new EventPump[1];
    EventPump pump =
        new EventPump(
            reply,
            relay.web().getHeartbeat(),
            new EventPump.Sink() {
              @Override
              public void data(String json) throws IOException {
                socket.out.sendMessage(new TextMessage(json));
              }

              @Override
              public void heartbeat() throws IOException {
                socket.out.sendMessage(new PingMessage());
              }

              @Override
              public void ending() {
                if (socket.turn == self[0]) {
                  socket.turn = null; // the socket takes the next turn, even one sent on reading this turn's end
                }
              }

              @Override
              public void close(@Nullable Throwable error) {
                ending();
              }
            },
            admission::release);
    self[0] = pump;
    socket.turn = pump;
    try {
      pumps.execute(pump);
    } catch (RejectedExecutionException e) {
      socket.turn = null;
      admission.release();
      send(socket, RelayEvents.error("the relay is busy; try again in a moment"));
    }
  }

  @Override
  public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
    Socket socket = sockets.remove(session.getId());
    EventPump running = socket == null ? null : socket.turn;
    if (running != null) {
      running.cancel(); // the browser left: llama-server stops
    }
  }

  @Override
  public void handleTransportError(WebSocketSession session, Throwable exception) {
    afterConnectionClosed(session, CloseStatus.SERVER_ERROR);
  }

  private static void send(Socket socket, String json) throws IOException {
    socket.out.sendMessage(new TextMessage(json));
  }

  private static CallerKeyResolver.Caller caller(WebSocketSession session) {
    return new CallerKeyResolver.Caller() {
      @Override
      public @Nullable String principal() {
        Principal p = session.getPrincipal();
        return p == null ? null : p.getName();
      }

      @Override
      public @Nullable String header(String name) {
        return session.getHandshakeHeaders().getFirst(name);
      }

      @Override
      public String remoteAddress() {
        InetSocketAddress a = session.getRemoteAddress();
        return a == null ? "unknown" : a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
      }
    };
  }
}
