package io.github.llamaclient.spring;

import io.github.llamaclient.ChatEvent;
import java.util.concurrent.Flow;

/**
 * Watches streamed replies, for meters or traces: wraps a reply's publisher in one that reports
 * its start, events and end and otherwise passes every signal through unchanged. The relay's
 * endpoints wrap every reply; use the bean on your own replies too ({@code
 * observer.observe(client.chat().publisher(request))}). With Micrometer the auto-configured one
 * records the meters listed in {@link LlamaMetricsAutoConfiguration}; without it, {@link #NONE}.
 */
@FunctionalInterface
public interface StreamObserver {

  /** Observes nothing: returns the publisher as it is. */
  StreamObserver NONE = reply -> reply;

  /**
   * Wraps a reply.
   *
   * @param reply the reply's events, not yet subscribed
   * @return a publisher with the same signals; cancelling its subscription cancels {@code reply}'s
   */
  Flow.Publisher<ChatEvent> observe(Flow.Publisher<ChatEvent> reply);

  /**
   * Notes a stream the {@link RateLimiter} refused before it began. Does nothing by default.
   *
   * @param reason the limit that was hit, as {@link RateLimiter.Admission#reason()}
   */
  default void refused(String reason) {}
}
