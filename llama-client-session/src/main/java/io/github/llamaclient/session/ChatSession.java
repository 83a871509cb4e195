package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamListener;
import io.github.llamaclient.ToolCall;
import io.github.llamaclient.internal.flow.StreamCleaner;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * One chat session: a system prompt, an ordered history, generation defaults and an optional slot
 * pin, kept by a {@link SessionManager} under an id. Get one with {@link
 * SessionManager#session(String)}. Thread-safe; a handle is cheap and finds its session by id on
 * every call, so it stays valid when the session leaves memory and is loaded again.
 *
 * <p>Each {@code send…} method runs one <em>turn</em>: it sends the system prompt, the history
 * (trimmed by the manager's {@link HistoryBudget}) and the turn's input, and when the reply
 * completes, commits the input and the reply to the history together. A failed or cancelled turn
 * leaves the history as it was (see {@link SessionManager.Builder#keepPartialReplies(boolean)}).
 * One turn runs at a time per session: a turn begun while another runs waits or fails, as {@link
 * WhenBusy} says; so do the changes ({@link #systemPrompt(String)}, {@link #reset()}, …).
 *
 * <p>A turn's input may hold images and audio ({@link io.github.llamaclient.ContentPart}, in a
 * {@link ChatMessage#user(io.github.llamaclient.ContentPart, io.github.llamaclient.ContentPart...)}
 * message given to the methods that take a list of messages): they become history like text, and
 * are sent again with the later turns, as the manager's {@link MediaPolicy} says.
 *
 * <p>The faces match {@link io.github.llamaclient.LlamaClient}'s: blocking ({@link #send(String)}),
 * pulled streams ({@link #sendStream(String)}, {@link #sendEvents(List, Consumer)}), publishers
 * ({@link #sendPublisher(String)}) and a listener ({@link #send(String, StreamListener)}). A turn's request options are applied over the manager's {@link
 * SessionManager.Builder#everyRequest(Consumer)} and the session's {@link #options()}; the messages
 * are always the session's.
 *
 * <p>A turn holds the session until it ends: read a stream to its end or close it, cancel a
 * subscription or handle you abandon. A pulled stream dropped without either is closed once the
 * garbage collector finds it unreachable (its connection closes, the turn ends as cancelled, and a
 * warning is logged); until then it holds the session, and a turn waiting for it fails after
 * {@link SessionManager.Builder#waitTimeout(java.time.Duration)} with {@link
 * SessionWaitTimeoutException}. The callbacks' and publishers' turns are driven by the server:
 * they run to their end, failure or timeout, unless a subscriber stops requesting, which holds the
 * session until it cancels.
 */
public final class ChatSession {
  private static final Consumer<ChatRequest.Builder> NO_OPTIONS = b -> {};

  private final SessionManager manager;
  private final String id;

  ChatSession(SessionManager manager, String id) {
    this.manager = manager;
    this.id = id;
  }

  /**
   * The session id.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  // ---------------------------------------------------------------- state

  /**
   * The history as committed now: an immutable snapshot, without the system prompt. Never shows
   * half a turn.
   *
   * @return the messages, oldest first
   * @throws SessionStoreException if the session left memory and cannot be read back
   */
  public List<SessionMessage> history() {
    return manager.read(id).messages();
  }

  /**
   * The assistant's replies in the history, oldest first: reply {@code n} of a session is {@code
   * replies().get(n)}. Each has its {@linkplain SessionMessage#stream() saved stream} when the
   * manager saves streams, to replay it ({@link SavedStream#replay()}). A history budget that trims
   * the stored history ({@link HistoryBudget}) removes the oldest, so the numbers count from the
   * oldest reply kept.
   *
   * @return the assistant messages, oldest first
   * @throws SessionStoreException if the session left memory and cannot be read back
   */
  public List<SessionMessage> replies() {
    return history().stream().filter(m -> "assistant".equals(m.message().role())).toList();
  }

  /**
   * The history's messages as sent to the server (before any trimming), without the system prompt.
   *
   * @return the messages, oldest first
   */
  public List<ChatMessage> messages() {
    return history().stream().map(SessionMessage::message).toList();
  }

  /**
   * The whole state: an immutable snapshot.
   *
   * @return the state
   */
  public SessionState state() {
    return manager.read(id);
  }

  /**
   * The system prompt.
   *
   * @return the prompt, or null if none
   */
  public @Nullable String systemPrompt() {
    return manager.read(id).systemPrompt();
  }

  /**
   * Replaces the system prompt (null for none), for the following turns; saved at once.
   *
   * @param systemPrompt the prompt, or null
   * @throws SessionBusyException if a turn is running and the manager fails when busy, or
   *     ({@link SessionWaitTimeoutException}) waited longer than the manager's wait timeout
   * @throws SessionStoreException if it cannot be saved (then nothing changed)
   */
  public void systemPrompt(@Nullable String systemPrompt) {
    manager.change(id, s -> s.withSystemPrompt(systemPrompt));
  }

  /**
   * The session's generation defaults.
   *
   * @return the options
   */
  public GenerationOptions options() {
    return manager.read(id).options();
  }

  /**
   * Replaces the session's generation defaults; saved at once.
   *
   * @param options the options
   * @throws SessionBusyException if a turn is running and the manager fails when busy, or
   *     ({@link SessionWaitTimeoutException}) waited longer than the manager's wait timeout
   * @throws SessionStoreException if it cannot be saved (then nothing changed)
   */
  public void options(GenerationOptions options) {
    Objects.requireNonNull(options, "options");
    manager.change(id, s -> s.withOptions(options));
  }

  /**
   * Pins the session to a llama-server slot: each turn is sent with {@code id_slot} and {@code
   * cache_prompt: true}, so the server reuses the slot's cache of the session's prompt. With
   * {@link SessionManager.Builder#slotCache(boolean)} the cache is also saved and restored when
   * sessions share the slot. Saved at once.
   *
   * @param slot the slot id, 0 or more (llama-server wraps ids beyond its slot count)
   * @throws IllegalArgumentException if {@code slot} is negative
   * @throws SessionBusyException if a turn is running and the manager fails when busy, or
   *     ({@link SessionWaitTimeoutException}) waited longer than the manager's wait timeout
   */
  public void pinSlot(int slot) {
    if (slot < 0) {
      throw new IllegalArgumentException("slot must be 0 or more, was " + slot);
    }
    manager.change(id, s -> s.withSlot(slot));
  }

  /**
   * Removes the slot pin: turns go to any slot.
   *
   * @throws SessionBusyException if a turn is running and the manager fails when busy, or
   *     ({@link SessionWaitTimeoutException}) waited longer than the manager's wait timeout
   */
  public void unpinSlot() {
    manager.change(id, s -> s.withSlot(null));
  }

  /**
   * Clears the history; the system prompt, options and slot pin stay. Saved at once.
   *
   * @throws SessionBusyException if a turn is running and the manager fails when busy, or
   *     ({@link SessionWaitTimeoutException}) waited longer than the manager's wait timeout
   * @throws SessionStoreException if it cannot be saved (then nothing changed)
   */
  public void reset() {
    manager.change(id, s -> s.withMessages(List.of()));
  }

  /**
   * The tool calls of the last assistant message that no tool result answers yet. Answer them with
   * {@link #sendToolResults(List)} (or any face given {@link ChatMessage#tool(String, String)}
   * messages).
   *
   * @return the pending calls, possibly empty
   */
  public List<ToolCall> pendingToolCalls() {
    return pendingToolCalls(history());
  }

  static List<ToolCall> pendingToolCalls(List<SessionMessage> history) {
    Set<String> answered = new HashSet<>();
    for (int i = history.size() - 1; i >= 0; i--) {
      ChatMessage m = history.get(i).message();
      if ("tool".equals(m.role())) {
        answered.add(m.toolCallId());
      } else if ("assistant".equals(m.role())) {
        List<ToolCall> out = new ArrayList<>();
        for (ToolCall c : m.toolCalls()) {
          if (!answered.contains(c.id())) {
            out.add(c);
          }
        }
        return List.copyOf(out);
      } else {
        return List.of();
      }
    }
    return List.of();
  }

  // ---------------------------------------------------------------- blocking

  /**
   * Sends a user message and waits for the whole reply (streamed underneath, so the idle timeout
   * applies between tokens and interrupting the thread cancels the turn).
   *
   * @param message the user's message
   * @return the reply, committed with the message
   * @throws LlamaException a subtype saying what failed; the history is then unchanged (or holds
   *     the partial reply, if kept). {@link SessionBusyException} if busy and failing fast, {@link
   *     SessionWaitTimeoutException} if busy for longer than the manager's wait timeout; {@link
   *     SessionStoreException} if the commit could not be saved
   */
  public ChatResult send(String message) {
    return send(message, NO_OPTIONS);
  }

  /**
   * Sends a user message with per-turn options and waits for the whole reply.
   *
   * @param message the user's message
   * @param options sets this turn's request options, for example {@code r -> r.maxTokens(64)}
   * @return the reply, committed with the message
   * @throws LlamaException as {@link #send(String)}
   */
  public ChatResult send(String message, Consumer<ChatRequest.Builder> options) {
    return send(List.of(ChatMessage.user(Objects.requireNonNull(message, "message"))), options);
  }

  /**
   * Sends tool results for the pending tool calls and waits for the model's next reply.
   *
   * @param results {@link ChatMessage#tool(String, String)} messages, each answering a {@linkplain
   *     #pendingToolCalls() pending call}
   * @return the reply, committed with the results
   * @throws IllegalArgumentException if a result answers no pending call
   * @throws LlamaException as {@link #send(String)}
   */
  public ChatResult sendToolResults(List<ChatMessage> results) {
    return send(results, NO_OPTIONS);
  }

  /**
   * Runs a turn with any input messages (a user message, tool results, or a user message with
   * other roles llama-server accepts; not a system message) and waits for the whole reply.
   *
   * @param input the turn's new messages, committed with the reply
   * @param options sets this turn's request options
   * @return the reply
   * @throws IllegalArgumentException if the input is empty, holds a system message, or a tool
   *     result answers no pending call
   * @throws MediaTooLargeException if an image or audio part is larger than the manager's {@link
   *     MediaPolicy} keeps and the policy refuses such parts (nothing was sent)
   * @throws LlamaException as {@link #send(String)}
   */
  public ChatResult send(List<ChatMessage> input, Consumer<ChatRequest.Builder> options) {
    Turn t = manager.begin(id, input, options);
    try (ChatStream events = manager.client().chat().stream(t.request())) {
      for (ChatEvent e : events) {
        t.onEvent(e);
        if (e instanceof ChatEvent.Done) {
          return t.commit(((ChatEvent.Done) e).result());
        }
      }
      throw new StreamCancelledException("the stream ended without a result");
    } catch (RuntimeException e) {
      t.abort(e);
      throw e;
    } finally {
      t.abort(null);
    }
  }

  // ---------------------------------------------------------------- pulled streams

  /**
   * Streams the reply text to a user message, pulled by the calling thread. The turn begins at
   * once (waiting for a running turn, or failing, as {@link WhenBusy} says) and commits when the
   * stream reaches its end. Close the stream (try-with-resources) to stop early: the connection is
   * closed, llama-server stops, and the history stays as before. A stream dropped unclosed before
   * its end is closed the same way once the garbage collector finds it unreachable.
   *
   * @param message the user's message
   * @return the text pieces; terminal operations throw {@link LlamaException} subtypes, including
   *     {@link SessionStoreException} at the end if the commit could not be saved
   * @throws SessionBusyException if busy and failing fast, or ({@link
   *     SessionWaitTimeoutException}) busy for longer than the manager's wait timeout
   */
  public Stream<String> sendStream(String message) {
    return sendStream(message, NO_OPTIONS);
  }

  /**
   * Streams the reply text to a user message, with per-turn options.
   *
   * @param message the user's message
   * @param options sets this turn's request options
   * @return the text pieces; see {@link #sendStream(String)}
   * @throws SessionBusyException if busy and failing fast, or ({@link
   *     SessionWaitTimeoutException}) busy for longer than the manager's wait timeout
   */
  public Stream<String> sendStream(String message, Consumer<ChatRequest.Builder> options) {
    return sendEvents(List.of(ChatMessage.user(Objects.requireNonNull(message, "message"))), options)
        .filter(e -> e instanceof ChatEvent.Content)
        .map(e -> ((ChatEvent.Content) e).text());
  }

  /**
   * Streams a turn's reply as typed events, ending with {@link ChatEvent.Done} (sent after the
   * commit). Same rules as {@link #sendStream(String)}.
   *
   * @param input the turn's new messages (see {@link #send(List, Consumer)})
   * @param options sets this turn's request options
   * @return the events; close to cancel
   * @throws IllegalArgumentException if the input is not valid
   * @throws SessionBusyException if busy and failing fast, or ({@link
   *     SessionWaitTimeoutException}) busy for longer than the manager's wait timeout
   */
  public Stream<ChatEvent> sendEvents(List<ChatMessage> input, Consumer<ChatRequest.Builder> options) {
    Turn t = manager.begin(id, input, options);
    ChatStream events;
    try {
      events = manager.client().chat().stream(t.request());
    } catch (RuntimeException e) {
      t.abort(e);
      throw e;
    }
    TurnIterator it = new TurnIterator(t, events);
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(it::close);
  }

  /**
   * Feeds a turn from a {@link ChatStream}; commits at {@link ChatEvent.Done}. Every view of the
   * turn's stream holds this iterator, so it is what the {@link StreamCleaner} watches: dropped
   * before the end without close, the cleaner closes the chat stream and ends the turn.
   */
  private static final class TurnIterator implements Iterator<ChatEvent> {
    private final Turn turn;
    private final ChatStream events;
    private final Iterator<ChatEvent> it;
    private final StreamCleaner.Guard guard;
    private @Nullable ChatEvent next;
    private boolean finished;

    TurnIterator(Turn turn, ChatStream events) {
      this.turn = turn;
      this.events = events;
      this.it = events.iterator();
      this.guard =
          StreamCleaner.register(this, "turn stream of session '" + turn.sessionId() + "'", release(turn, events));
    }

    /** Static, so the release cannot hold the iterator. */
    private static StreamCleaner.Release release(Turn turn, ChatStream events) {
      return leaked -> {
        boolean running = !turn.ended();
        events.close(); // closes the connection; never reads
        if (leaked) {
          // ending the turn may write the store or save a slot cache: not on the cleaner's thread
          CompletableFuture.runAsync(() -> turn.abort(null));
        } else {
          turn.abort(null);
        }
        return running;
      };
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      if (finished) {
        return false;
      }
      ChatEvent e;
      try {
        if (!it.hasNext()) {
          finish();
          turn.abort(null);
          return false;
        }
        e = it.next();
        turn.onEvent(e);
        if (e instanceof ChatEvent.Done) {
          finish();
          turn.commit(((ChatEvent.Done) e).result());
        }
      } catch (RuntimeException ex) {
        finish();
        turn.abort(ex);
        throw ex;
      } finally {
        Reference.reachabilityFence(this); // in use while its consumer waits for the next event
      }
      next = e;
      return true;
    }

    /** The turn's stream ended and the consumer saw it: the turn ends here, nothing to clean. */
    private void finish() {
      finished = true;
      guard.disarm();
    }

    @Override
    public ChatEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      ChatEvent e = Objects.requireNonNull(next);
      next = null;
      return e;
    }

    void close() {
      guard.close(); // closes the chat stream and ends the turn, unless they ended before
    }
  }

  // ---------------------------------------------------------------- publishers

  /**
   * The reply text to a user message as a {@link Flow.Publisher} for one subscriber (a second
   * subscription gets {@code onError} with {@link IllegalStateException}). The turn begins when it
   * is subscribed, on the subscribing thread (which waits there under {@link WhenBusy#WAIT}; a busy
   * session under {@link WhenBusy#FAIL} gives {@code onError} with {@link SessionBusyException}).
   * {@code request(n)} is honoured; {@code cancel()} closes the connection and leaves the history
   * as before; the turn commits before {@code onComplete}. Signals come as from {@link
   * io.github.llamaclient.StreamingApi#textPublisher(Object)}.
   *
   * @param message the user's message
   * @return the publisher
   */
  public Flow.Publisher<String> sendPublisher(String message) {
    return sendPublisher(message, NO_OPTIONS);
  }

  /**
   * The reply text as a publisher, with per-turn options; see {@link #sendPublisher(String)}.
   *
   * @param message the user's message
   * @param options sets this turn's request options
   * @return the publisher
   */
  public Flow.Publisher<String> sendPublisher(String message, Consumer<ChatRequest.Builder> options) {
    List<ChatMessage> input = List.of(ChatMessage.user(Objects.requireNonNull(message, "message")));
    return new TurnPublisher<>(manager, id, input, options, TurnRelay::contentText);
  }

  /**
   * A turn's reply as a publisher of typed events ending with {@link ChatEvent.Done}; see {@link
   * #sendPublisher(String)}.
   *
   * @param input the turn's new messages (see {@link #send(List, Consumer)})
   * @param options sets this turn's request options
   * @return the publisher
   */
  public Flow.Publisher<ChatEvent> sendEventPublisher(
      List<ChatMessage> input, Consumer<ChatRequest.Builder> options) {
    return new TurnPublisher<>(manager, id, List.copyOf(input), options, e -> e);
  }

  // ---------------------------------------------------------------- callbacks

  /**
   * Streams the reply to a listener ({@link StreamListener#of(Consumer, Consumer, Consumer)} takes
   * the text, the result and the failure as three lambdas). The turn begins at once, on the calling
   * thread (so a busy session waits or throws here); the listener then runs on the client's
   * callback executor, one call after another. Exactly one of {@code onComplete} (after the commit)
   * and {@code onError} (history unchanged) is called, unless the handle cancels first (then
   * neither; the history is unchanged).
   *
   * @param message the user's message
   * @param listener receives the reply's events, then the committed reply or the failure
   * @return a handle to cancel the turn or wait for its result
   * @throws NullPointerException if an argument is null
   * @throws SessionBusyException if busy and failing fast, or ({@link
   *     SessionWaitTimeoutException}) busy for longer than the manager's wait timeout
   */
  public StreamHandle<ChatResult> send(String message, StreamListener<? super ChatResult> listener) {
    return send(List.of(ChatMessage.user(Objects.requireNonNull(message, "message"))), NO_OPTIONS, listener);
  }

  /**
   * Streams a turn to a listener; as {@link #send(String, StreamListener)}, with this turn's new
   * messages and request options ({@link ChatEvent.Done} goes to {@code onComplete}, not {@code
   * onEvent}).
   *
   * @param input the turn's new messages (see {@link #send(List, Consumer)})
   * @param options sets this turn's request options
   * @param listener receives the reply's events, then the committed reply or the failure
   * @return a handle to cancel the turn or wait for its result
   * @throws NullPointerException if an argument is null
   * @throws SessionBusyException if busy and failing fast, or ({@link
   *     SessionWaitTimeoutException}) busy for longer than the manager's wait timeout
   */
  public StreamHandle<ChatResult> send(
      List<ChatMessage> input, Consumer<ChatRequest.Builder> options, StreamListener<? super ChatResult> listener) {
    Objects.requireNonNull(listener, "listener");
    Turn t = manager.begin(id, input, options);
    Flow.Publisher<ChatEvent> turn =
        subscriber -> {
          try {
            manager.client().chat().publisher(t.request()).subscribe(new TurnRelay<>(t, subscriber, e -> e));
          } catch (RuntimeException e) {
            t.abort(e); // the turn began: leave the history as it was and free the session
            throw e;
          }
        };
    return StreamHandle.subscribe(turn, listener);
  }

  @Override
  public String toString() {
    return "ChatSession[" + id + "]";
  }
}
