package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ContentPart;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamListener;
import io.github.llamaclient.Tool;
import io.github.llamaclient.ToolCall;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * The code of docs/sessions.md, compiled and run here ({@link SessionGuideTest}); each tagged
 * region is one snippet of the guide, letter for letter after removing the indentation.
 */
final class SessionGuideExamples {
  private SessionGuideExamples() {}

  static SessionManager quickStart(LlamaClient client, Path dir) {
    // tag::quick-start[]
    SessionManager sessions = SessionManager.builder(client)
        .store(SessionStore.inDirectory(dir))          // default: SessionStore.inMemory()
        .historyBudget(HistoryBudget.tokens(3000))      // trim the oldest turns, whole
        .systemPrompt("You are a helpful assistant.")   // for new sessions
        .build();

    try (Stream<String> reply = sessions.processMessageStream("user-42", "Hello!")) {
        reply.forEach(System.out::print);
    }   // the reply completed: "Hello!" and the reply are now in the history, together
    // end::quick-start[]
    return sessions;
  }

  static void sessionApi(SessionManager sessions) {
    // tag::session-api[]
    ChatSession session = sessions.session("user-42");   // loaded, or created on first use
    session.systemPrompt("You are terse.");
    session.options(GenerationOptions.builder().temperature(0.2).maxTokens(256).build());

    ChatResult result = session.send("What is a slot?", r -> r.seed(7)); // per-turn options
    System.out.println(result.text());

    for (SessionMessage m : session.history()) {   // immutable snapshot, never half a turn
        System.out.println(m.message().role() + ": " + m.message().content());
    }
    session.reset();   // clears the history, keeps the system prompt and options
    // end::session-api[]
  }

  static void faces(ChatSession session) throws Exception {
    // tag::faces[]
    ChatResult blocking = session.send("One");

    try (Stream<String> text = session.sendStream("Two")) {
        text.forEach(System.out::print);
    }

    session.sendPublisher("Three").subscribe(new PrintingSubscriber());

    StreamHandle<ChatResult> handle = session.send("Four", StreamListener.of(
        System.out::print,                       // each piece of text
        reply -> System.out.println(),           // after the commit
        error -> System.err.println(error)));    // history unchanged
    handle.result().get();
    // end::faces[]
    if (blocking.text().isEmpty()) {
      throw new AssertionError();
    }
  }

  static void cancel(LlamaClient client) {
    // tag::cancel[]
    SessionManager sessions = SessionManager.builder(client)
        .keepPartialReplies(true)   // default false: a cancelled turn leaves no trace
        .build();
    ChatSession session = sessions.session("s");
    try (Stream<String> reply = session.sendStream("Tell me a long story")) {
        reply.limit(3).forEach(System.out::print);
    }   // closed early: the connection is closed and llama-server stops generating
    SessionMessage last = session.history().get(1);
    System.out.println(last.partial());   // true: the text received so far, marked partial
    // end::cancel[]
    if (!last.partial()) {
      throw new AssertionError();
    }
  }

  static void busy(LlamaClient client) {
    // tag::busy[]
    SessionManager sessions = SessionManager.builder(client)
        .whenBusy(WhenBusy.FAIL)   // default WhenBusy.WAIT
        .build();
    ChatSession session = sessions.session("s");
    try (Stream<String> first = session.sendStream("one")) {
        try {
            session.send("two");
        } catch (SessionBusyException e) {
            System.out.println("busy: " + e.sessionId());   // nothing was sent
        }
        first.forEach(System.out::print);
    }
    // end::busy[]
  }

  static void tools(SessionManager sessions, Tool weatherTool) {
    // tag::tools[]
    ChatSession session = sessions.session("weather");
    ChatResult reply = session.send("What is the weather in Paris?",
        r -> r.tools(weatherTool));
    if (!reply.toolCalls().isEmpty()) {   // committed: the user message and the tool calls
        List<ChatMessage> results = new ArrayList<>();
        for (ToolCall call : session.pendingToolCalls()) {
            results.add(ChatMessage.tool(call.id(), "{\"temp\":21}"));   // run the tool here
        }
        reply = session.sendToolResults(results);   // results and the answer commit together
    }
    System.out.println(reply.text());
    // end::tools[]
  }

  static SessionManager budgets(LlamaClient client) {
    // tag::budgets[]
    HistoryBudget byCount = HistoryBudget.messages(40);
    HistoryBudget byTokens = HistoryBudget.tokens(3000);             // counted by the server
    HistoryBudget byContext = HistoryBudget.contextWindow(512);      // n_ctx from /props, minus 512
    HistoryBudget offline = HistoryBudget.tokens(3000).estimated();  // never asks the server
    HistoryBudget compact = HistoryBudget.messages(40).trimStored(); // also forget dropped turns
    // end::budgets[]
    List<HistoryBudget> all = List.of(byCount, byTokens, byContext, offline, compact);
    return SessionManager.builder(client).historyBudget(all.get(0)).build();
  }

  static SessionManager media(LlamaClient client, Path dir, Path photo) {
    // tag::media[]
    SessionManager sessions = SessionManager.builder(client)
        .store(SessionStore.inDirectory(dir))
        .media(MediaPolicy.inline(4 << 20)        // keep images and audio up to 4 MiB each,
            .placeholderWhenTooLarge())           // larger ones: sent once, then a placeholder
        .historyBudget(HistoryBudget.tokens(3000)
            .mediaTokens(256, 750))               // per image, per audio part, until measured
        .build();
    ChatSession session = sessions.session("user-42");
    ChatMessage question =
        ChatMessage.user(ContentPart.text("What is in this photo?"), ContentPart.image(photo));
    session.send(List.of(question), r -> {});
    session.send("And what colour is it?");      // the photo is sent again, from the history
    // end::media[]
    return sessions;
  }

  static void slots(LlamaClient client) {
    // tag::slots[]
    SessionManager sessions = SessionManager.builder(client)
        .slotCache(true)                    // needs llama-server --slot-save-path
        .maxIdle(Duration.ofMinutes(30))    // idle sessions leave memory, stay in the store
        .build();
    ChatSession session = sessions.session("user-42");
    session.pinSlot(0);                     // id_slot: 0, cache_prompt: true on every turn
    session.send("Hello");
    sessions.close();                       // saves the slot's cache for user-42
    // end::slots[]
  }

  /** Requests everything and prints it. */
  static final class PrintingSubscriber implements java.util.concurrent.Flow.Subscriber<String> {
    final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();

    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String item) {
      System.out.print(item);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }

  static String replay(LlamaClient client, Path dir) {
    // tag::replay[]
    SessionManager sessions = SessionManager.builder(client)
        .store(SessionStore.inDirectory(dir))
        .saveStreams(true)                    // or StreamSaving.limits(maxEvents, maxChars)
        .build();
    sessions.session("user-42").send("Tell me about AI.");

    // later, perhaps in another process: reply 0 of the session, as it streamed
    SavedStream saved = sessions.session("user-42").replies().get(0).stream();
    StringBuilder shown = new StringBuilder();
    try (Stream<String> text = saved.replay().speed(2).textStream()) {   // twice as fast
        text.forEach(shown::append);
    }
    Flow.Publisher<ChatEvent> events = saved.replay().publisher();      // or events(), subscribe(listener)
    // end::replay[]
    events.subscribe(new Flow.Subscriber<ChatEvent>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.cancel();
      }

      @Override
      public void onNext(ChatEvent item) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onComplete() {}
    });
    return shown.toString();
  }
}
