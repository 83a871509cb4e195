package io.github.llamaclient.spring;

import io.github.llamaclient.ChatEvent;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The relay's endpoints on Spring MVC: each admitted stream is an {@link SseEmitter} fed by an
 * {@link EventPump} on a thread of the controller's pool. Registered by {@link
 * LlamaWebMvcAutoConfiguration}.
 */
@RestController
final class MvcChatController {
  private static final MediaType UTF8_TEXT = new MediaType("text", "plain", StandardCharsets.UTF_8);

  private final ChatRelay relay;
  private final CallerKeyResolver callers;
  private final StreamObserver observer;
  private final ExecutorService pumps;

  MvcChatController(ChatRelay relay, CallerKeyResolver callers, StreamObserver observer) {
    this.relay = relay;
    this.callers = callers;
    this.observer = observer;
    this.pumps = EventPump.threads();
  }

  /** Ends the open streams (their threads are interrupted, which cancels the replies). */
  void close() {
    pumps.shutdownNow();
  }

  @PostMapping(ChatRelay.STATELESS)
  ResponseEntity<SseEmitter> stateless(@RequestBody(required = false) byte @Nullable [] body, HttpServletRequest request) {
    return stream(body, request, relay::stateless);
  }

  @PostMapping(ChatRelay.SESSION)
  ResponseEntity<SseEmitter> session(@RequestBody(required = false) byte @Nullable [] body, HttpServletRequest request) {
    return stream(body, request, relay::sessionTurn);
  }

  /** The refusals and bad requests, answered as JSON by {@link #answer(Answer)}. */
  @ExceptionHandler(Answer.class)
  ResponseEntity<Object> answer(Answer a) {
    return a.response;
  }

  private ResponseEntity<SseEmitter> stream(
      byte @Nullable [] body, HttpServletRequest request, Function<byte[], ChatRelay.Reply> open) {
    RateLimiter.Admission admission = relay.admit(callers.resolve(caller(request)));
    if (!admission.isAdmitted()) {
      observer.refused(admission.reason());
      throw new Answer(Responses.tooMany(admission));
    }
    ChatRelay.Reply reply;
    try {
      reply = open.apply(body == null ? new byte[0] : body);
    } catch (IllegalArgumentException e) {
      admission.release();
      throw new Answer(Responses.badRequest(String.valueOf(e.getMessage())));
    } catch (RuntimeException e) {
      admission.release();
      throw e;
    }
    SseEmitter emitter = new SseEmitter(0L); // no async timeout: the client's own timeouts bound a stream
    EventPump pump = new EventPump(reply, relay.web().getHeartbeat(), sink(emitter), admission::release);
    emitter.onError(e -> pump.cancel());
    emitter.onTimeout(pump::cancel);
    emitter.onCompletion(pump::cancel); // after a normal end this does nothing
    try {
      pumps.execute(pump);
    } catch (RejectedExecutionException e) {
      admission.release();
      throw new Answer(Responses.busy());
    }
    return Responses.stream().body(emitter);
  }

  /**
   * Writes the seed's bytes through the emitter: {@code data: {...}} (Spring writes {@code data:}
   * and the text given, so the text starts with the space the seed puts there) and {@code :
   * keep-alive}.
   */
  private static EventPump.Sink sink(SseEmitter emitter) {
    return new EventPump.Sink() {
      @Override
      public void data(String json) throws IOException {
        emitter.send(SseEmitter.event().data(" " + json, UTF8_TEXT));
      }

      @Override
      public void heartbeat() throws IOException {
        emitter.send(SseEmitter.event().comment(" keep-alive"));
      }

      @Override
      public void close(@Nullable Throwable error) {
        if (error == null) {
          emitter.complete();
        } else {
          emitter.completeWithError(error);
        }
      }
    };
  }

  private static CallerKeyResolver.Caller caller(HttpServletRequest request) {
    return new CallerKeyResolver.Caller() {
      @Override
      public @Nullable String principal() {
        Principal p = request.getUserPrincipal();
        return p == null ? null : p.getName();
      }

      @Override
      public @Nullable String header(String name) {
        return request.getHeader(name);
      }

      @Override
      public String remoteAddress() {
        return request.getRemoteAddr();
      }
    };
  }

  /** A response other than a stream, thrown out of the handler to its exception handler. */
  private static final class Answer extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ResponseEntity<Object> response;

    Answer(ResponseEntity<Object> response) {
      super(null, null, false, false);
      this.response = response;
    }
  }
}
