package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Every face of any {@link StreamingApi} (chat, completions, infill, ...): runs one request and
 * reports the text, the events, the result (where the face gives one) and the failure.
 */
enum ApiFaces {
  TEXT_STREAM {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) {
      try (Stream<String> s = api.textStream(request)) {
        return new Outcome<>(s.collect(Collectors.joining()), List.of(), null, null);
      } catch (RuntimeException e) {
        return new Outcome<>("", List.of(), null, e);
      }
    }
  },
  EVENTS {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) {
      List<ChatEvent> events = new ArrayList<>();
      try (EventStream<R> s = api.stream(request)) {
        s.forEach(events::add);
        return new Outcome<>(text(events), events, s.result(), null);
      } catch (RuntimeException e) {
        return new Outcome<>(text(events), events, null, e);
      }
    }
  },
  TEXT_PUBLISHER {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) throws Exception {
      StringBuilder sb = new StringBuilder();
      CompletableFuture<Throwable> end = new CompletableFuture<>();
      api.textPublisher(request)
          .subscribe(
              new Flow.Subscriber<String>() {
                Flow.Subscription s;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                  this.s = s;
                  s.request(1);
                }

                @Override
                public void onNext(String item) {
                  sb.append(item);
                  s.request(1);
                }

                @Override
                public void onError(Throwable t) {
                  end.complete(t);
                }

                @Override
                public void onComplete() {
                  end.complete(null);
                }
              });
      Throwable t = end.get(30, TimeUnit.SECONDS);
      return new Outcome<>(sb.toString(), List.of(), null, t);
    }
  },
  EVENT_PUBLISHER {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) throws Exception {
      List<ChatEvent> events = new ArrayList<>();
      CompletableFuture<Throwable> end = new CompletableFuture<>();
      api.publisher(request)
          .subscribe(
              new Flow.Subscriber<ChatEvent>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                  s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(ChatEvent e) {
                  events.add(e);
                }

                @Override
                public void onError(Throwable t) {
                  end.complete(t);
                }

                @Override
                public void onComplete() {
                  end.complete(null);
                }
              });
      Throwable t = end.get(30, TimeUnit.SECONDS);
      return new Outcome<>(text(events), events, null, t);
    }
  },
  CALLBACKS {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) throws Exception {
      List<ChatEvent> events = new ArrayList<>();
      CountDownLatch latch = new CountDownLatch(1);
      AtomicReference<R> result = new AtomicReference<>();
      AtomicReference<Throwable> error = new AtomicReference<>();
      StreamHandle<R> h =
          api.subscribe(
              request,
              new StreamListener<R>() {
                @Override
                public void onEvent(ChatEvent event) {
                  events.add(event);
                }

                @Override
                public void onComplete(R r) {
                  result.set(r);
                  latch.countDown();
                }

                @Override
                public void onError(LlamaException e) {
                  error.set(e);
                  latch.countDown();
                }
              });
      assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
      if (error.get() == null) {
        assertThat(h.result().get(1, TimeUnit.SECONDS)).isSameAs(result.get());
      }
      return new Outcome<>(text(events), events, result.get(), error.get());
    }
  },
  BLOCKING {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) {
      try {
        return new Outcome<>(null, List.of(), api.call(request), null);
      } catch (RuntimeException e) {
        return new Outcome<>(null, List.of(), null, e);
      }
    }
  },
  ASYNC {
    @Override
    <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) throws Exception {
      try {
        return new Outcome<>(null, List.of(), api.callAsync(request).get(30, TimeUnit.SECONDS), null);
      } catch (ExecutionException e) {
        return new Outcome<>(null, List.of(), null, e.getCause());
      }
    }
  };

  /**
   * What a face delivered.
   *
   * @param text the text delivered piece by piece, or null for a face that gives only the result
   * @param events the events, where the face gives them
   * @param result the result, where the face gives it
   * @param failure the failure, or null
   */
  record Outcome<R>(String text, List<ChatEvent> events, R result, Throwable failure) {}

  abstract <Q, R> Outcome<R> run(StreamingApi<Q, ?, R> api, Q request) throws Exception;

  private static String text(List<ChatEvent> events) {
    StringBuilder sb = new StringBuilder();
    for (ChatEvent e : events) {
      if (e instanceof ChatEvent.Content c) {
        sb.append(c.text());
      }
    }
    return sb.toString();
  }

  /** Pulled by the calling thread, so read on it by default. */
  boolean pulled() {
    return this == TEXT_STREAM || this == EVENTS || this == BLOCKING;
  }

  /** Every face with every transport it reads through: (ApiFaces, Transports). */
  static Stream<Arguments> withTransports() {
    List<Arguments> out = new ArrayList<>();
    for (ApiFaces f : values()) {
      for (Transports t : Transports.values()) {
        if (t.distinctFor(!f.pulled())) {
          out.add(Arguments.of(f, t));
        }
      }
    }
    return out.stream();
  }
}
