package io.github.llamaclient.spring;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The relay's endpoints on WebFlux: the reply's {@link Flow.Publisher} as a {@link Flux} of {@link
 * ServerSentEvent}s, demand passed through (a slow browser slows its own upstream), heartbeats
 * merged in, and the browser's leaving cancelling the subscription and so the upstream. Registered
 * by {@link LlamaWebFluxAutoConfiguration}.
 */
@RestController
final class WebFluxChatController {
  private static final ServerSentEvent<String> KEEP_ALIVE = ServerSentEvent.<String>builder().comment(" keep-alive").build();

  private final ChatRelay relay;
  private final CallerKeyResolver callers;
  private final StreamObserver observer;

  WebFluxChatController(ChatRelay relay, CallerKeyResolver callers, StreamObserver observer) {
    this.relay = relay;
    this.callers = callers;
    this.observer = observer;
  }

  @PostMapping(ChatRelay.STATELESS)
  Mono<ResponseEntity<?>> stateless(@RequestBody(required = false) byte @Nullable [] body, ServerWebExchange exchange) {
    return stream(body, exchange, relay::stateless);
  }

  @PostMapping(ChatRelay.SESSION)
  Mono<ResponseEntity<?>> session(@RequestBody(required = false) byte @Nullable [] body, ServerWebExchange exchange) {
    return stream(body, exchange, relay::sessionTurn);
  }

  private Mono<ResponseEntity<?>> stream(
      byte @Nullable [] body, ServerWebExchange exchange, Function<byte[], ChatRelay.Reply> open) {
    return exchange
        .getPrincipal()
        .map(p -> Optional.of(p.getName()))
        .defaultIfEmpty(Optional.empty())
        .map(principal -> respond(body == null ? new byte[0] : body, caller(exchange, principal.orElse(null)), open));
  }

  private ResponseEntity<?> respond(byte[] body, CallerKeyResolver.Caller caller, Function<byte[], ChatRelay.Reply> open) {
    RateLimiter.Admission admission = relay.admit(callers.resolve(caller));
    if (!admission.isAdmitted()) {
      observer.refused(admission.reason());
      return Responses.tooMany(admission);
    }
    ChatRelay.Reply reply;
    try {
      reply = open.apply(body);
    } catch (IllegalArgumentException e) {
      admission.release();
      return Responses.badRequest(String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      admission.release();
      throw e;
    }
    // released before the response ends, so a caller's next request finds its place free
    return Responses.stream()
        .body(
            events(reply, relay.web().getHeartbeat())
                .doOnTerminate(admission::release)
                .doOnCancel(admission::release)
                .doFinally(signal -> admission.release()));
  }

  /** The seed's events: content (and the optional ones) as they come, then done or error. */
  private Flux<ServerSentEvent<String>> events(ChatRelay.Reply reply, Duration heartbeat) {
    AtomicReference<@Nullable ChatResult> result = new AtomicReference<>();
    Flux<ServerSentEvent<String>> main =
        JdkFlowAdapter.flowPublisherToFlux(reply.events())
            .concatMapIterable(
                e -> {
                  if (e instanceof ChatEvent.Done) {
                    result.set(((ChatEvent.Done) e).result()); // sent once the turn has committed
                    return List.<ServerSentEvent<String>>of();
                  }
                  List<ServerSentEvent<String>> out = new ArrayList<>(2);
                  reply.turn().map(e, json -> out.add(data(json)));
                  return out;
                })
            .concatWith(Mono.fromSupplier(() -> data(RelayEvents.done(result.get()))))
            .onErrorResume(t -> Mono.just(data(RelayEvents.error(RelayEvents.publicMessage(t)))));
    return main.publish(
        shared ->
            Flux.merge(shared, Flux.interval(heartbeat, heartbeat).map(i -> KEEP_ALIVE).takeUntilOther(shared.then())));
  }

  /** {@code data: {...}}: WebFlux writes {@code data:} and the text, so the text starts with the seed's space. */
  private static ServerSentEvent<String> data(String json) {
    return ServerSentEvent.builder(" " + json).build();
  }

  private static CallerKeyResolver.Caller caller(ServerWebExchange exchange, @Nullable String principal) {
    return new CallerKeyResolver.Caller() {
      @Override
      public @Nullable String principal() {
        return principal;
      }

      @Override
      public @Nullable String header(String name) {
        return exchange.getRequest().getHeaders().getFirst(name);
      }

      @Override
      public String remoteAddress() {
        InetSocketAddress a = exchange.getRequest().getRemoteAddress();
        return a == null ? "unknown" : a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
      }
    };
  }
}
