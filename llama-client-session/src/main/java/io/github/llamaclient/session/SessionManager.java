package io.github.llamaclient.session;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.ToolCall;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Chat sessions by id over one {@link LlamaClient}. Thread-safe: share one manager.
 *
 * <pre>{@code
 * SessionManager sessions = SessionManager.builder(client)
 *     .store(SessionStore.inDirectory(Path.of("sessions")))
 *     .historyBudget(HistoryBudget.tokens(3000))
 *     .build();
 * try (Stream<String> reply = sessions.processMessageStream("user-42", "Hello")) {
 *   reply.forEach(System.out::print);
 * }
 * }</pre>
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>One turn at a time per session.</b> A second turn (or change) on a session whose turn is
 *       running waits for it ({@link WhenBusy#WAIT}, the default; at most {@link
 *       Builder#waitTimeout(Duration)}, then {@link SessionWaitTimeoutException}) or fails at once
 *       with {@link SessionBusyException} ({@link WhenBusy#FAIL}). Different sessions run in
 *       parallel.
 *   <li><b>Atomic turns.</b> A turn's input (the user's message, or tool results) and the reply are
 *       committed together when the reply completes: first saved to the {@link SessionStore}, then
 *       visible in {@link ChatSession#history()}. A failed or cancelled turn (closed stream,
 *       cancelled subscription or handle, interrupted thread, server error, store failure) leaves
 *       the history exactly as before; with {@link Builder#keepPartialReplies(boolean)} it instead
 *       commits the input and the text received so far as a reply marked {@linkplain
 *       SessionMessage#partial() partial}.
 *   <li><b>Sessions come and go.</b> {@link #session(String)} creates a session on first use or
 *       loads it from the store; idle sessions leave memory ({@link Builder#maxIdle(Duration)},
 *       {@link Builder#maxInMemory(int)}) and stay in the store; a {@link ChatSession} handle stays
 *       valid across that, since it finds its session by id on each call.
 * </ul>
 *
 * <p>The manager does not close the client. {@link #close()} ends its use of memory and slot caches.
 */
public final class SessionManager implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SessionManager.class.getName());
  /** How often a turn waiting for another process's lease tries again. */
  private static final long LEASE_POLL_MILLIS = 20;

  private final LlamaClient client;
  private final SessionStore store;
  private final HistoryBudget budget;
  private final MediaPolicy media;
  private final MediaTokens mediaTokens = new MediaTokens();
  private final WhenBusy whenBusy;
  private final boolean keepPartial;
  private final StreamSaving streamSaving;
  private final @Nullable String defaultSystemPrompt;
  private final GenerationOptions defaultOptions;
  private final Consumer<ChatRequest.Builder> everyRequest;
  private final @Nullable Duration maxIdle;
  private final int maxInMemory;
  private final boolean slotCache;
  private final InstantSource clock;
  private final Duration waitTimeout;
  private final WaitTimer waitTimer;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, String> slotOwners = new ConcurrentHashMap<>();
  private volatile @Nullable Integer contextSize;
  private volatile boolean closed;

  private SessionManager(Builder b) {
    this.client = b.client;
    this.store = b.store;
    this.budget = b.budget;
    this.media = b.media;
    this.whenBusy = b.whenBusy;
    this.keepPartial = b.keepPartial;
    this.streamSaving = b.streamSaving;
    this.defaultSystemPrompt = b.systemPrompt;
    this.defaultOptions = b.options;
    this.everyRequest = b.everyRequest;
    this.maxIdle = b.maxIdle;
    this.maxInMemory = b.maxInMemory;
    this.slotCache = b.slotCache;
    this.clock = b.clock;
    this.waitTimeout = b.waitTimeout;
    this.waitTimer = b.waitTimer;
  }

  /**
   * A builder for a manager over {@code client}.
   *
   * @param client the client every turn is sent with; not closed by the manager
   * @return the builder, with the defaults: in-memory store, unlimited history, {@link
   *     WhenBusy#WAIT} for up to 2 minutes, no partial replies kept, sessions kept in memory until
   *     removed
   */
  public static Builder builder(LlamaClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  // ---------------------------------------------------------------- sessions

  /**
   * The session with this id: loaded from the store, or created empty (with the builder's system
   * prompt and options) if the store has none. Only a committed change saves a new session.
   *
   * @param id the session id: 1 to 256 characters, no control characters
   * @return a handle, valid for the manager's life even if the session leaves memory
   * @throws IllegalArgumentException if the id is not valid
   * @throws SessionStoreException if the store has the session but cannot read it
   * @throws IllegalStateException if the manager is closed
   */
  public ChatSession session(String id) {
    SessionIds.check(id);
    Entry e = pin(id);
    unpin(e);
    return new ChatSession(this, id);
  }

  /**
   * The ids of every session, in memory or in the store, sorted.
   *
   * @return the ids
   * @throws SessionStoreException if the store cannot be listed
   */
  public List<String> list() {
    Set<String> ids = new TreeSet<>(store.ids());
    ids.addAll(entries.keySet());
    return List.copyOf(ids);
  }

  /**
   * Removes a session from memory and from the store. A running turn of that session is waited for
   * (or, with {@link WhenBusy#FAIL}, makes this fail). Using the id again creates a new, empty
   * session.
   *
   * @param id the session id
   * @throws SessionBusyException if a turn is running and the manager fails when busy; {@link
   *     SessionWaitTimeoutException} if it waited longer than the wait timeout
   * @throws SessionStoreException if the store cannot delete it
   * @throws StreamCancelledException if interrupted while waiting
   */
  public void remove(String id) {
    SessionIds.check(id);
    checkOpen();
    Entry e = entries.get(id);
    if (e != null) {
      acquirePermit(e);
      try {
        e.removed = true;
        entries.remove(id, e);
        Integer slot = e.state.slot();
        if (slot != null) {
          slotOwners.remove(slot, id);
        }
      } finally {
        e.permit.release();
      }
    }
    store.delete(id);
  }

  /**
   * How many sessions are held in memory now.
   *
   * @return the count
   */
  public int inMemory() {
    return entries.size();
  }

  /**
   * Evicts from memory, now, the sessions idle for longer than {@link Builder#maxIdle(Duration)}
   * and the least recently used beyond {@link Builder#maxInMemory(int)}. The manager also does this
   * on every call; call it from a scheduler of your own to evict while no call comes. A session with
   * a running turn (or a call in progress) is never evicted.
   *
   * @return how many sessions were evicted
   */
  public int evictIdle() {
    int evicted = 0;
    Instant now = clock.instant();
    if (maxIdle != null) {
      Instant cutoff = now.minus(maxIdle);
      for (Entry e : entries.values()) {
        if (e.lastUsed.isBefore(cutoff) && evict(e)) {
          evicted++;
        }
      }
    }
    if (entries.size() > maxInMemory) {
      List<Entry> idle = new ArrayList<>(entries.values());
      idle.sort(Comparator.comparing(x -> x.lastUsed));
      for (Entry e : idle) {
        if (entries.size() <= maxInMemory) {
          break;
        }
        if (evict(e)) {
          evicted++;
        }
      }
    }
    return evicted;
  }

  private boolean evict(Entry e) {
    boolean[] done = {false};
    entries.computeIfPresent(
        e.id,
        (k, cur) -> {
          if (cur == e && cur.users.get() == 0) {
            done[0] = true;
            return null;
          }
          return cur;
        });
    if (done[0]) {
      saveSlotCache(e.state, "evicted");
    }
    return done[0];
  }

  /**
   * Streams the reply to a user message in a session, creating the session on first use. Same as
   * {@code session(sessionId).sendStream(message)}.
   *
   * @param sessionId the session id
   * @param message the user's message
   * @return the reply text; close it to cancel (see {@link ChatSession#sendStream(String)})
   */
  public Stream<String> processMessageStream(String sessionId, String message) {
    return session(sessionId).sendStream(message);
  }

  /**
   * Streams the reply to a user message in a session, with per-turn request options, creating the
   * session on first use. Same as {@code session(sessionId).sendStream(message, options)}.
   *
   * @param sessionId the session id
   * @param message the user's message
   * @param options sets this turn's request options (for example {@code r -> r.temperature(0.2)})
   * @return the reply text; close it to cancel (see {@link ChatSession#sendStream(String)})
   */
  public Stream<String> processMessageStream(
      String sessionId, String message, Consumer<ChatRequest.Builder> options) {
    return session(sessionId).sendStream(message, options);
  }

  /**
   * Sends a user message in a session and waits for the whole reply, creating the session on
   * first use. Same as {@code session(sessionId).send(message)}.
   *
   * @param sessionId the session id
   * @param message the user's message
   * @return the reply, committed to the history
   */
  public ChatResult processMessage(String sessionId, String message) {
    return session(sessionId).send(message);
  }

  /**
   * Sends a user message in a session with per-turn request options and waits for the whole reply.
   *
   * @param sessionId the session id
   * @param message the user's message
   * @param options sets this turn's request options
   * @return the reply, committed to the history
   */
  public ChatResult processMessage(String sessionId, String message, Consumer<ChatRequest.Builder> options) {
    return session(sessionId).send(message, options);
  }

  /**
   * Stops accepting calls, saves the slot caches of pinned sessions (if {@link
   * Builder#slotCache(boolean)}), and drops the sessions from memory; they stay in the store.
   * Turns already running end normally and commit. Does not close the client. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Entry e : List.copyOf(entries.values())) {
      if (entries.remove(e.id, e)) {
        saveSlotCache(e.state, "closing");
      }
    }
  }

  @Override
  public String toString() {
    return "SessionManager[" + entries.size() + " in memory, " + store + ", " + budget + "]";
  }

  // ---------------------------------------------------------------- inside

  /** A session held in memory. */
  static final class Entry {
    final String id;
    final TurnPermit permit = new TurnPermit();
    final AtomicInteger users = new AtomicInteger();
    volatile SessionState state;
    volatile Instant lastUsed;
    volatile boolean removed;
    /** The cross-process lease of a {@link SharedSessionStore}, held with the permit. */
    volatile SharedSessionStore.@Nullable Lease lease;

    Entry(SessionState state, Instant now) {
      this.id = state.id();
      this.state = state;
      this.lastUsed = now;
    }
  }

  LlamaClient client() {
    return client;
  }

  HistoryBudget budget() {
    return budget;
  }

  MediaPolicy media() {
    return media;
  }

  MediaTokens mediaTokens() {
    return mediaTokens;
  }

  boolean keepsPartialReplies() {
    return keepPartial;
  }

  StreamSaving streamSaving() {
    return streamSaving;
  }

  InstantSource clock() {
    return clock;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the SessionManager is closed");
    }
  }

  /** Holds the entry in memory (loading or creating it) until {@link #unpin(Entry)}. */
  Entry pin(String id) {
    checkOpen();
    Entry e =
        entries.compute(
            id,
            (k, cur) -> {
              Entry x = cur;
              if (x == null) {
                SessionState s =
                    store.load(k).orElseGet(() -> SessionState.empty(k, defaultSystemPrompt, defaultOptions));
                x = new Entry(s, clock.instant());
              }
              x.users.incrementAndGet();
              x.lastUsed = clock.instant();
              return x;
            });
    return Objects.requireNonNull(e);
  }

  void unpin(Entry e) {
    e.lastUsed = clock.instant();
    e.users.decrementAndGet();
    evictIdle();
  }

  /** Pins the session and takes its turn permit, as {@link WhenBusy} says. */
  Entry acquire(String id) {
    while (true) {
      Entry e = pin(id);
      try {
        acquirePermit(e);
      } catch (RuntimeException ex) {
        unpin(e);
        throw ex;
      }
      if (!e.removed) {
        if (store instanceof SharedSessionStore) {
          try {
            lease((SharedSessionStore) store, e);
          } catch (RuntimeException ex) {
            e.permit.release();
            unpin(e);
            throw ex;
          }
        }
        return e;
      }
      e.permit.release(); // removed while we waited: start again with the new session
      unpin(e);
    }
  }

  /**
   * Takes the session's lease in a shared store, as {@link WhenBusy} says, and reads the session
   * afresh under it: another process may have run turns since this one last saw it.
   */
  private void lease(SharedSessionStore shared, Entry e) {
    SharedSessionStore.Lease lease = shared.tryLease(e.id).orElse(null);
    if (lease == null) {
      if (whenBusy == WhenBusy.FAIL) {
        throw new SessionBusyException(
            e.id, "session '" + e.id + "' is busy with a turn in another process (WhenBusy.FAIL); nothing was sent");
      }
      Instant deadline = clock.instant().plus(waitTimeout);
      while (lease == null) {
        if (!clock.instant().isBefore(deadline)) {
          throw new SessionWaitTimeoutException(e.id, waitTimeout);
        }
        try {
          Thread.sleep(LEASE_POLL_MILLIS); // a poll interval: the other process's release is not signalled here
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new StreamCancelledException(
              "interrupted while waiting for session '" + e.id + "''s turn in another process; nothing was sent");
        }
        lease = shared.tryLease(e.id).orElse(null);
      }
    }
    try {
      e.state = lease.load().orElseGet(() -> SessionState.empty(e.id, defaultSystemPrompt, defaultOptions));
    } catch (RuntimeException ex) {
      lease.close();
      throw ex;
    }
    e.lease = lease;
  }

  private void acquirePermit(Entry e) {
    if (whenBusy == WhenBusy.FAIL) {
      if (!e.permit.tryAcquire()) {
        throw new SessionBusyException(e.id);
      }
      return;
    }
    boolean taken;
    try {
      taken = e.permit.acquire(waitTimeout, waitTimer);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new StreamCancelledException(
          "interrupted while waiting for session '" + e.id + "''s running turn; nothing was sent");
    }
    if (!taken) {
      throw new SessionWaitTimeoutException(e.id, waitTimeout);
    }
  }

  /** Gives back the permit and the pin. */
  void release(Entry e) {
    SharedSessionStore.Lease lease = e.lease;
    if (lease != null) {
      e.lease = null;
      lease.close();
    }
    e.permit.release();
    unpin(e);
  }

  /** Saves and publishes a new state; the caller holds the permit (and the lease, if shared). */
  void commit(Entry e, SessionState next) {
    SharedSessionStore.Lease lease = e.lease;
    if (lease != null) {
      lease.save(next);
    } else {
      store.save(next);
    }
    e.state = next;
  }

  /** Runs a change under the session's permit. */
  SessionState change(String id, UnaryOperator<SessionState> change) {
    Entry e = acquire(id);
    try {
      SessionState next = change.apply(e.state);
      if (!next.equals(e.state)) {
        commit(e, next);
      }
      return next;
    } finally {
      release(e);
    }
  }

  /** Reads the state (loading the session if it left memory). */
  SessionState read(String id) {
    Entry e = pin(id);
    try {
      if (store instanceof SharedSessionStore && e.lease == null) {
        // another process may have run turns since: read what the store has now
        return store.load(id).orElse(e.state);
      }
      return e.state;
    } finally {
      unpin(e);
    }
  }

  /** Begins a turn: takes the permit, chooses the history, builds the request. */
  Turn begin(String id, List<ChatMessage> input, Consumer<ChatRequest.Builder> options) {
    Objects.requireNonNull(options, "options");
    checkInput(input);
    media.check(id, input);
    Entry e = acquire(id);
    try {
      SessionState st = e.state;
      checkToolResults(st, input);
      prepareSlot(st);
      HistoryBudget.Fit fit =
          budget.fit(st.messages(), input, kept -> request(st, kept, input, options), client, this::contextSize, mediaTokens);
      ChatRequest request = request(st, fit.kept(), input, options);
      return new Turn(this, e, st, input, request, fit);
    } catch (RuntimeException ex) {
      release(e);
      throw ex;
    }
  }

  private static void checkInput(List<ChatMessage> input) {
    Objects.requireNonNull(input, "input");
    if (input.isEmpty()) {
      throw new IllegalArgumentException("a turn needs at least one message");
    }
    for (ChatMessage m : input) {
      Objects.requireNonNull(m, "input must not contain null");
      if ("system".equals(m.role())) {
        throw new IllegalArgumentException(
            "a turn cannot send a system message; set it with ChatSession.systemPrompt(String)");
      }
    }
  }

  /** Tool results must answer calls still pending in the history (or earlier in the same input). */
  private static void checkToolResults(SessionState st, List<ChatMessage> input) {
    Set<String> pending = new HashSet<>();
    for (ToolCall c : ChatSession.pendingToolCalls(st.messages())) {
      pending.add(c.id());
    }
    for (ChatMessage m : input) {
      if ("tool".equals(m.role())) {
        if (!pending.remove(m.toolCallId())) {
          throw new IllegalArgumentException(
              "tool result for call '"
                  + m.toolCallId()
                  + "' answers no pending tool call of session '"
                  + st.id()
                  + "' (pending: "
                  + ChatSession.pendingToolCalls(st.messages()).stream().map(ToolCall::id).toList()
                  + ")");
        }
      } else {
        pending.clear();
      }
    }
  }

  /** The request for a candidate history. */
  private ChatRequest request(
      SessionState st, List<SessionMessage> kept, List<ChatMessage> input, Consumer<ChatRequest.Builder> options) {
    ChatRequest.Builder b = ChatRequest.builder();
    b.affinity(st.id()); // with several servers, a session's turns go to one, which keeps its prompt cache
    everyRequest.accept(b);
    st.options().applyTo(b);
    if (st.slot() != null) {
      b.idSlot(st.slot()).cachePrompt(true);
    }
    options.accept(b);
    List<ChatMessage> messages = new ArrayList<>(kept.size() + input.size() + 1);
    if (st.systemPrompt() != null) {
      messages.add(ChatMessage.system(st.systemPrompt()));
    }
    for (SessionMessage m : kept) {
      messages.add(withoutReasoning(m.message()));
    }
    messages.addAll(input);
    return b.messages(messages).build();
  }

  /** Past reasoning is kept in the history but not sent back (the model's templates drop it). */
  private static ChatMessage withoutReasoning(ChatMessage m) {
    return m.reasoning() == null
        ? m
        : m.toBuilder().reasoning(null).build();
  }

  private @Nullable Integer contextSize() {
    Integer c = contextSize;
    if (c == null) {
      try {
        c = client.server().props().contextSize();
        contextSize = c;
      } catch (LlamaException e) {
        LOG.log(System.Logger.Level.DEBUG, "cannot read the context size from /props: {0}", e.toString());
      }
    }
    return c;
  }

  /**
   * Before a turn on a pinned slot that another session used last: saves that session's cache and
   * restores this one's. Failures are logged at DEBUG: the cache only saves time, never changes a
   * reply (llama-server reuses only the cached tokens that match the new prompt).
   */
  private void prepareSlot(SessionState st) {
    Integer slot = st.slot();
    if (slot == null) {
      return;
    }
    String owner = slotOwners.put(slot, st.id());
    if (!slotCache || st.id().equals(owner)) {
      return;
    }
    if (owner != null) {
      trySlot(() -> client.slots().save(slot, SessionIds.slotFileName(owner)), "save", slot, owner);
    }
    trySlot(() -> client.slots().restore(slot, SessionIds.slotFileName(st.id())), "restore", slot, st.id());
  }

  private void saveSlotCache(SessionState st, String why) {
    Integer slot = st.slot();
    if (slotCache && slot != null && slotOwners.remove(slot, st.id())) {
      LOG.log(System.Logger.Level.DEBUG, "session ''{0}'' {1}: saving slot {2}", st.id(), why, slot);
      trySlot(() -> client.slots().save(slot, SessionIds.slotFileName(st.id())), "save", slot, st.id());
    }
  }

  private static void trySlot(Runnable call, String action, int slot, String id) {
    try {
      call.run();
    } catch (LlamaException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "slot {0} {1} for session ''{2}'' failed: {3}",
          slot,
          action,
          id,
          e.toString());
    }
  }

  /** Builds a {@link SessionManager}; each setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private final LlamaClient client;
    private SessionStore store = SessionStore.inMemory();
    private HistoryBudget budget = HistoryBudget.unlimited();
    private MediaPolicy media = MediaPolicy.inline();
    private WhenBusy whenBusy = WhenBusy.WAIT;
    private boolean keepPartial;
    private StreamSaving streamSaving = StreamSaving.off();
    private @Nullable String systemPrompt;
    private GenerationOptions options = GenerationOptions.none();
    private Consumer<ChatRequest.Builder> everyRequest = b -> {};
    private @Nullable Duration maxIdle;
    private int maxInMemory = Integer.MAX_VALUE;
    private boolean slotCache;
    private InstantSource clock = InstantSource.system();
    private Duration waitTimeout = Duration.ofMinutes(2);
    private WaitTimer waitTimer = WaitTimer.SYSTEM;

    private Builder(LlamaClient client) {
      this.client = client;
    }

    /**
     * Sets where sessions are kept (default {@link SessionStore#inMemory()}).
     *
     * @param store the store
     * @return this builder
     */
    public Builder store(SessionStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Sets how much history each turn sends (default {@link HistoryBudget#unlimited()}).
     *
     * @param budget the budget
     * @return this builder
     */
    public Builder historyBudget(HistoryBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * Sets what the history keeps of the images and audio that turns send (default {@link
     * MediaPolicy#inline()}: everything, inline parts up to {@link MediaPolicy#DEFAULT_MAX_PART_BYTES}
     * each, a larger one refused before it is sent).
     *
     * @param media the policy
     * @return this builder
     */
    public Builder media(MediaPolicy media) {
      this.media = Objects.requireNonNull(media, "media");
      return this;
    }

    /**
     * Sets what a turn does while another turn of the same session runs (default {@link
     * WhenBusy#WAIT}, for up to {@link #waitTimeout(Duration)}).
     *
     * @param whenBusy the policy
     * @return this builder
     */
    public Builder whenBusy(WhenBusy whenBusy) {
      this.whenBusy = Objects.requireNonNull(whenBusy, "whenBusy");
      return this;
    }

    /**
     * Sets how long a turn or change waits, under {@link WhenBusy#WAIT}, for the running turn of
     * its session (default 2 minutes, the client's default wait for a stream slot too). A wait that
     * runs out throws {@link SessionWaitTimeoutException} and sends nothing. A running turn holds
     * its session until it ends, so set this above your longest turn (a long reply on a slow
     * machine), or waiters fail while it runs. The bound also ends a wait behind a turn whose
     * stream was dropped unclosed and not yet reclaimed by the garbage collector.
     *
     * @param waitTimeout positive
     * @return this builder
     * @throws NullPointerException if {@code waitTimeout} is null
     * @throws IllegalArgumentException if {@code waitTimeout} is zero or negative
     */
    public Builder waitTimeout(Duration waitTimeout) {
      Objects.requireNonNull(waitTimeout, "waitTimeout");
      if (waitTimeout.isNegative() || waitTimeout.isZero()) {
        throw new IllegalArgumentException("waitTimeout must be positive, was " + waitTimeout);
      }
      this.waitTimeout = waitTimeout;
      return this;
    }

    /** Sets what bounds the waits in time (default {@link WaitTimer#SYSTEM}); for tests. */
    Builder waitTimer(WaitTimer waitTimer) {
      this.waitTimer = Objects.requireNonNull(waitTimer, "waitTimer");
      return this;
    }

    /**
     * Whether a failed or cancelled turn keeps its input and the reply text received so far, marked
     * {@linkplain SessionMessage#partial() partial} (default false: the history stays as before).
     * Nothing is kept when no text arrived.
     *
     * @param keep the flag
     * @return this builder
     */
    public Builder keepPartialReplies(boolean keep) {
      this.keepPartial = keep;
      return this;
    }

    /**
     * Whether each assistant reply keeps its stream as it arrived ({@link SessionMessage#stream()}),
     * to be replayed later ({@link SavedStream#replay()}): {@code true} is {@link StreamSaving#on()}
     * (the default limits), {@code false} {@link StreamSaving#off()} (the default).
     *
     * @param save the flag
     * @return this builder
     */
    public Builder saveStreams(boolean save) {
      return saveStreams(save ? StreamSaving.on() : StreamSaving.off());
    }

    /**
     * Sets whether and how much each assistant reply keeps of its stream (default {@link
     * StreamSaving#off()}): the events with their offsets from the request, measured on {@link
     * #clock(InstantSource)}, saved with the reply in the store. A stream over the limits is kept up
     * to them and marked {@linkplain SavedStream#truncated() truncated}.
     *
     * @param saving the setting
     * @return this builder
     */
    public Builder saveStreams(StreamSaving saving) {
      this.streamSaving = Objects.requireNonNull(saving, "saving");
      return this;
    }

    /**
     * Sets the system prompt of new sessions (default none).
     *
     * @param systemPrompt the prompt
     * @return this builder
     */
    public Builder systemPrompt(String systemPrompt) {
      this.systemPrompt = Objects.requireNonNull(systemPrompt, "systemPrompt");
      return this;
    }

    /**
     * Sets the generation defaults of new sessions (default {@link GenerationOptions#none()}).
     * Each session keeps its own copy, changed with {@link ChatSession#options(GenerationOptions)}.
     *
     * @param options the options
     * @return this builder
     */
    public Builder defaultOptions(GenerationOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Sets request options applied to every turn of every session, before the session's options
     * and the turn's own (for example tools, or {@code includeUsage(true)}). Not saved: it is code.
     * The messages are always set by the session.
     *
     * @param everyRequest sets options on each request builder; called on the turn's thread
     * @return this builder
     */
    public Builder everyRequest(Consumer<ChatRequest.Builder> everyRequest) {
      this.everyRequest = Objects.requireNonNull(everyRequest, "everyRequest");
      return this;
    }

    /**
     * Evicts from memory the sessions unused for longer than this (default: never). They stay in
     * the store and are loaded again on their next use.
     *
     * @param maxIdle positive
     * @return this builder
     */
    public Builder maxIdle(Duration maxIdle) {
      Objects.requireNonNull(maxIdle, "maxIdle");
      if (maxIdle.isNegative() || maxIdle.isZero()) {
        throw new IllegalArgumentException("maxIdle must be positive, was " + maxIdle);
      }
      this.maxIdle = maxIdle;
      return this;
    }

    /**
     * Keeps at most this many sessions in memory, evicting the least recently used idle ones
     * (default: no limit). Sessions with a running turn are not evicted, so the count can exceed the
     * limit while they run.
     *
     * @param maxInMemory 1 or more
     * @return this builder
     */
    public Builder maxInMemory(int maxInMemory) {
      if (maxInMemory < 1) {
        throw new IllegalArgumentException("maxInMemory must be 1 or more, was " + maxInMemory);
      }
      this.maxInMemory = maxInMemory;
      return this;
    }

    /**
     * Whether sessions pinned to a slot ({@link ChatSession#pinSlot(int)}) save and restore the
     * slot's prompt cache on the server (default false): when another session is about to use the
     * slot, the last user's cache is saved ({@code POST /slots/{id}?action=save}) and the new
     * user's is restored ({@code action=restore}); when a session leaves memory or the manager
     * closes, its cache is saved. Needs llama-server started with {@code --slot-save-path}.
     * Failures are logged at DEBUG and otherwise ignored: the cache only saves prompt processing.
     *
     * @param slotCache the flag
     * @return this builder
     */
    public Builder slotCache(boolean slotCache) {
      this.slotCache = slotCache;
      return this;
    }

    /**
     * Sets the clock for idle eviction and the offsets of saved streams (default the system
     * clock); for tests.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the manager.
     *
     * @return the manager
     */
    public SessionManager build() {
      return new SessionManager(this);
    }
  }
}
