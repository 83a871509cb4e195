package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** Runs a request over one face and reports how it failed, with the text delivered before. */
public enum Faces {
  STREAM {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) {
      StringBuilder sb = new StringBuilder();
      try (Stream<String> s = c.generateStream(r)) {
        s.forEach(sb::append);
      } catch (RuntimeException e) {
        return new Outcome(sb.toString(), e);
      }
      return new Outcome(sb.toString(), null);
    }
  },
  EVENTS {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) {
      StringBuilder sb = new StringBuilder();
      try (ChatStream s = c.chat().stream(r)) {
        for (ChatEvent e : s) {
          if (e instanceof ChatEvent.Content t) {
            sb.append(t.text());
          }
        }
      } catch (RuntimeException e) {
        return new Outcome(sb.toString(), e);
      }
      return new Outcome(sb.toString(), null);
    }
  },
  PUBLISHER {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) throws Exception {
      StringBuilder sb = new StringBuilder();
      CompletableFuture<Throwable> end = new CompletableFuture<>();
      c.chat().textPublisher(r)
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
      return new Outcome(sb.toString(), t);
    }
  },
  EVENT_PUBLISHER {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) throws Exception {
      StringBuilder sb = new StringBuilder();
      CompletableFuture<Throwable> end = new CompletableFuture<>();
      c.chat().publisher(r)
          .subscribe(
              new Flow.Subscriber<ChatEvent>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                  s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(ChatEvent e) {
                  if (e instanceof ChatEvent.Content t) {
                    sb.append(t.text());
                  }
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
      return new Outcome(sb.toString(), t);
    }
  },
  CALLBACKS {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) throws Exception {
      StringBuilder sb = new StringBuilder();
      CountDownLatch latch = new CountDownLatch(1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      StreamHandle<ChatResult> h =
          c.chat().subscribe(
              r, StreamListener.of(sb::append,
              res -> latch.countDown(),
              err -> {
                error.set(err);
                latch.countDown();
              }));
      assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
      if (error.get() != null) {
        try {
          h.result().get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          assertThat(e.getCause()).as("the handle's future fails the same way").isSameAs(error.get());
        }
      }
      return new Outcome(sb.toString(), error.get());
    }
  },
  BLOCKING {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) {
      try {
        return new Outcome(c.chat().call(r).text(), null);
      } catch (RuntimeException e) {
        return new Outcome("", e);
      }
    }
  },
  ASYNC {
    @Override
    public Outcome run(LlamaClient c, ChatRequest r) throws Exception {
      try {
        return new Outcome(c.chat().callAsync(r).get(30, TimeUnit.SECONDS).text(), null);
      } catch (ExecutionException e) {
        return new Outcome("", e.getCause());
      }
    }
  };

  /** The text delivered, and the failure (null if none). */
  public record Outcome(String text, Throwable failure) {}

  public abstract Outcome run(LlamaClient c, ChatRequest r) throws Exception;

  /** Whether the face delivers text piece by piece before a failure. */
  public boolean streamsText() {
    return this != BLOCKING && this != ASYNC;
  }
}
