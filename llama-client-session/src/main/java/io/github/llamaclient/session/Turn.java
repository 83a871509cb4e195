package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One running turn of a session. Holds the session's turn permit from creation until it ends: by
 * {@link #commit(ChatResult)} (input and reply become history together) or {@link #abort(Throwable)}
 * (history unchanged, or the partial reply kept and marked). Ends exactly once; later calls do
 * nothing. Events are fed by one thread at a time (the face's consumer or the HTTP thread).
 */
final class Turn {
  private static final System.Logger LOG = System.getLogger(Turn.class.getName());

  private final SessionManager manager;
  private final SessionManager.Entry entry;
  private final SessionState before;
  private final List<ChatMessage> input;
  private final ChatRequest request;
  private final HistoryBudget.Fit fit;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final @Nullable StreamKeeper keeper;

  Turn(
      SessionManager manager,
      SessionManager.Entry entry,
      SessionState before,
      List<ChatMessage> input,
      ChatRequest request,
      HistoryBudget.Fit fit) {
    this.manager = manager;
    this.entry = entry;
    this.before = before;
    this.input = List.copyOf(input);
    this.request = request;
    this.fit = fit;
    this.keeper = StreamKeeper.start(manager.streamSaving(), manager.clock(), before.id());
  }

  ChatRequest request() {
    return request;
  }

  String sessionId() {
    return before.id();
  }

  void onEvent(ChatEvent e) {
    if (e instanceof ChatEvent.Content) {
      text.append(((ChatEvent.Content) e).text());
    } else if (e instanceof ChatEvent.Reasoning) {
      reasoning.append(((ChatEvent.Reasoning) e).text());
    }
    if (keeper != null) {
      keeper.onEvent(e);
    }
  }

  boolean ended() {
    return ended.get();
  }

  /**
   * Commits the input and the reply together: saves to the store, then publishes in memory.
   *
   * @return the result
   * @throws SessionStoreException if the store refuses it; the history is then as before
   */
  ChatResult commit(ChatResult r) {
    if (!ended.compareAndSet(false, true)) {
      return r;
    }
    try {
      ChatMessage reply =
          ChatMessage.builder("assistant")
              .content(r.text())
              .reasoning(r.reasoning().isEmpty() ? null : r.reasoning())
              .toolCalls(r.toolCalls())
              .build();
      write(new SessionMessage(reply, false, keeper == null ? null : keeper.saved(r)));
      manager.mediaTokens().learn(request, fit.textTokens(), r);
      return r;
    } finally {
      manager.release(entry);
    }
  }

  /**
   * Ends a failed or cancelled turn: the history stays as it was, unless the manager keeps partial
   * replies and some text arrived, in which case the input and the partial reply are committed,
   * marked partial. Never throws.
   */
  void abort(@Nullable Throwable cause) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      if (manager.keepsPartialReplies() && (text.length() > 0 || reasoning.length() > 0)) {
        ChatMessage partial =
            ChatMessage.builder("assistant")
                .content(text.toString())
                .reasoning(reasoning.length() == 0 ? null : reasoning.toString())
                .build();
        try {
          write(new SessionMessage(partial, true, keeper == null ? null : keeper.partial()));
        } catch (RuntimeException e) {
          LOG.log(
              System.Logger.Level.WARNING,
              "session ''{0}'': cannot keep the partial reply: {1}",
              before.id(),
              e.toString());
        }
      }
      LOG.log(
          System.Logger.Level.DEBUG,
          "session ''{0}'': turn ended without a reply ({1})",
          before.id(),
          cause == null ? "cancelled" : cause.toString());
    } finally {
      manager.release(entry);
    }
  }

  private void write(SessionMessage reply) {
    List<SessionMessage> base =
        manager.budget().trimsStored() ? fit.kept() : before.messages();
    List<SessionMessage> next = new ArrayList<>(base.size() + input.size() + 1);
    next.addAll(base);
    for (ChatMessage m : input) {
      next.add(SessionMessage.of(manager.media().keep(m)));
    }
    next.add(reply);
    manager.commit(entry, before.withMessages(next));
  }
}
