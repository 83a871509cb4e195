package io.github.llamaclient.examples.relay;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamCancelledException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Sessions kept in memory, on core alone (see {@link SessionChats}: the sessions module replaces
 * this). Thread-safe: different sessions stream in parallel, turns of one session one at a time.
 */
final class InMemorySessionChats implements SessionChats {
  private final LlamaClient client;
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

  InMemorySessionChats(LlamaClient client) {
    this.client = client;
  }

  private static final class Session {
    final Semaphore turn = new Semaphore(1);
    @Nullable String system;
    final List<ChatMessage> history = new ArrayList<>();
  }

  /** The committed history of a session (empty if unknown). */
  List<ChatMessage> history(String sessionId) {
    Session s = sessions.get(sessionId);
    if (s == null) {
      return List.of();
    }
    synchronized (s) {
      return List.copyOf(s.history);
    }
  }

  @Override
  public Stream<String> processMessageStream(
      String sessionId, String message, @Nullable String systemPrompt, ChatRequest.Builder settings) {
    Session s = sessions.computeIfAbsent(sessionId, id -> new Session());
    try {
      s.turn.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StreamCancelledException("interrupted while waiting for the session's previous turn");
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        s.turn.release();
      }
    };
    ChatStream events;
    try {
      List<ChatMessage> messages = new ArrayList<>();
      synchronized (s) {
        if (systemPrompt != null && !systemPrompt.isBlank()) {
          s.system = systemPrompt;
        }
        if (s.system != null) {
          messages.add(ChatMessage.system(s.system));
        }
        messages.addAll(s.history);
      }
      messages.add(ChatMessage.user(message));
      events = client.stream(settings.messages(messages).build());
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    Iterator<ChatEvent> it = events.iterator();
    Iterator<String> text =
        new Iterator<>() {
          private @Nullable String next;

          @Override
          public boolean hasNext() {
            while (next == null && it.hasNext()) {
              ChatEvent e = it.next();
              if (e instanceof ChatEvent.Content) {
                next = ((ChatEvent.Content) e).text();
              } else if (e instanceof ChatEvent.Done) {
                synchronized (s) { // the turn completed: commit both messages together
                  s.history.add(ChatMessage.user(message));
                  s.history.add(ChatMessage.assistant(((ChatEvent.Done) e).result().text()));
                }
              }
            }
            return next != null;
          }

          @Override
          public String next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            String n = next;
            next = null;
            return n;
          }
        };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(text, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(events::close)
        .onClose(release);
  }
}
