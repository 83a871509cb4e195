package io.github.llamaclient.spring;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Relays one reply to a blocking sink on a thread of its own, as {@code WebRelay} does: it asks
 * for the next event only when it has written the last ({@code request(1)}), writes a heartbeat
 * comment when none came for a while, sends the {@code done} or {@code error} event at the end,
 * and cancels the reply (closing the upstream, so llama-server stops) when a write fails or {@link
 * #cancel()} is called. Nothing is written from the client's callback threads, which all streams
 * share, so a slow browser slows only its own stream.
 */
final class EventPump implements Runnable {

  /** Where the events go: an {@code SseEmitter}, a WebSocket. Called on the pump's thread only. */
  interface Sink {
    /** Writes one event's JSON payload; an IOException means the receiver is gone. */
    void data(String json) throws IOException;

    /** Writes a heartbeat. */
    void heartbeat() throws IOException;

    /**
     * The turn is over: called once, before its last event (done or error) is written, so that a
     * request the receiver sends on reading that event finds the turn over; or when the pump ends
     * without one.
     */
    default void ending() {}

    /** The reply ended (done or error was written) or was cancelled; {@code error} if a write failed. */
    void close(@Nullable Throwable error);
  }

  private static final Object COMPLETE = new Object();
  private static final Object CANCEL = new Object();

  private final Flow.Publisher<ChatEvent> reply;
  private final RelayEvents.Turn turn;
  private final List<String> payloads = new ArrayList<>(2);
  private final Duration heartbeat;
  private final Sink sink;
  private final Runnable ended;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final AtomicBoolean turnEnded = new AtomicBoolean();
  private final CountDownLatch over = new CountDownLatch(1);
  private volatile Flow.@Nullable Subscription subscription;

  /**
   * @param ended run once when the turn ends, whichever way, before its last event is written (releases the rate limiter's places)
   */
  EventPump(ChatRelay.Reply reply, Duration heartbeat, Sink sink, Runnable ended) {
    this.reply = reply.events();
    this.turn = reply.turn();
    this.heartbeat = heartbeat;
    this.sink = sink;
    this.ended = ended;
  }

  /**
   * A pool for pumps: one daemon thread ({@code llama-relay-N}) per running pump, none kept idle
   * for long. Shut it down with {@code shutdownNow()}: that interrupts the pumps, which cancels
   * their replies.
   */
  static ExecutorService threads() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, "llama-relay-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** Stops the pump: cancels the reply (the upstream closes) and ends the loop. Any thread; idempotent. */
  void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      queue.add(CANCEL);
    }
  }

  @Override
  public void run() {
    Throwable failure = null;
    try {
      reply.subscribe(new Subscriber());
      ChatResult result = null;
      while (!cancelled.get()) { // nothing more is written once cancelled, even what is queued
        Object next = queue.poll(heartbeat.toNanos(), TimeUnit.NANOSECONDS);
        if (next == null) {
          sink.heartbeat(); // the model is thinking: keep proxies and browsers waiting
        } else if (next == CANCEL) {
          break;
        } else if (next instanceof ChatEvent.Done) {
          result = ((ChatEvent.Done) next).result(); // sent once the turn has committed
          request();
        } else if (next instanceof ChatEvent) {
          payloads.clear();
          turn.map((ChatEvent) next, payloads::add);
          for (String json : payloads) {
            sink.data(json);
          }
          request();
        } else if (next instanceof Throwable) {
          String json = RelayEvents.error(RelayEvents.publicMessage((Throwable) next));
          endTurn();
          sink.data(json);
          break;
        } else { // complete
          String json = RelayEvents.done(result);
          endTurn();
          sink.data(json);
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      failure = e; // the browser went away: llama-server stops, a session's history stays as it was
      cancel();
    } catch (InterruptedException e) {
      failure = e;
      cancel();
      Thread.currentThread().interrupt();
    } finally {
      endTurn();
      sink.close(failure);
      over.countDown();
    }
  }

  /** Releases the turn's places and tells the sink, once: before the last event is written. */
  private void endTurn() {
    if (turnEnded.compareAndSet(false, true)) {
      ended.run();
      sink.ending();
    }
  }

  /**
   * Waits until the pump has ended (written its last event and released its places).
   *
   * @return false if it had not ended within {@code wait}
   */
  boolean awaitEnd(Duration wait) throws InterruptedException {
    return over.await(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void request() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.request(1);
    }
  }

  /** Hands the reply's signals to the loop. */
  private final class Subscriber implements Flow.Subscriber<ChatEvent> {
    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled.get()) {
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
  }
}
