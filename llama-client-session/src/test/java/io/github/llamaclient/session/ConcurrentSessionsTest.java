package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many sessions, many concurrent turns on each, every face mixed, some turns cancelled or failing:
 * every history must be a clean sequence of whole turns, and every request must carry exactly the
 * history committed before it.
 */
@Timeout(60)
class ConcurrentSessionsTest {
  private static final Recording BASIC = Fixtures.recording("chat-stream-basic");
  private static final String REPLY = BASIC.content();

  private LlamaServerStub server;
  private LlamaClient client;
  /** Per session: the messages of each request, as sent. */
  private final Map<String, List<List<String>>> sent = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    server = LlamaServerStub.start();
    server.answer(
        request -> {
            JsonNode body = Fixtures.body(request);
            List<String> messages = new ArrayList<>();
            for (JsonNode m : body.get("messages")) {
              messages.add(m.get("role").asText() + ":" + m.get("content").asText());
            }
            String last = messages.get(messages.size() - 1);
            String session = last.substring("user:".length(), last.indexOf('/'));
            sent.computeIfAbsent(session, k -> Collections.synchronizedList(new ArrayList<>())).add(messages);
            if (last.endsWith("/fail")) {
              return Fixtures.replay("chat-stream-error-mid-stream");
            }
            return StubReply.of(BASIC);
        });
    client = Fixtures.client(server);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void hundredSessionsTimesTwentyConcurrentTurnsStayConsistent() throws Exception {
    run(SessionManager.builder(client).build(), 100, 20);
  }

  @TempDir Path dir;

  @Test
  void concurrentTurnsOnTheDirectoryStoreStayConsistent() throws Exception {
    SessionStore store = SessionStore.inDirectory(dir);
    run(SessionManager.builder(client).store(store).maxInMemory(5).build(), 10, 8);
    // every session reads back from its file exactly as it was in memory
    SessionManager reopened = SessionManager.builder(client).store(SessionStore.inDirectory(dir)).build();
    assertThat(reopened.list()).hasSize(10);
    for (String id : reopened.list()) {
      checkHistory(id, reopened.session(id).history(), 8);
    }
  }

  private void run(SessionManager sessions, int sessionCount, int turns) throws Exception {
    List<Runnable> tasks = new ArrayList<>();
    Random random = new Random(42);
    for (int s = 0; s < sessionCount; s++) {
      String id = "s" + s;
      for (int t = 0; t < turns; t++) {
        // most turns complete; some are cancelled early, some fail mid-stream
        int kind = random.nextInt(10);
        String message = id + "/" + t + (kind == 9 ? "/fail" : kind == 8 ? "/cancel" : "");
        int face = random.nextInt(3);
        tasks.add(() -> turn(sessions, id, message, face));
      }
    }
    Collections.shuffle(tasks, random);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<?> f : futures) {
        f.get(50, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int s = 0; s < sessionCount; s++) {
      String id = "s" + s;
      checkHistory(id, sessions.session(id).history(), turns);
      checkRequests(id, sessions.session(id).history());
    }
  }

  private static void turn(SessionManager sessions, String id, String message, int face) {
    ChatSession s = sessions.session(id);
    try {
      if (message.endsWith("/cancel")) {
        try (Stream<String> reply = s.sendStream(message)) {
          reply.findFirst();
        }
      } else if (face == 0) {
        s.send(message);
      } else if (face == 1) {
        try (Stream<String> reply = sessions.processMessageStream(id, message)) {
          assertThat(String.join("", reply.toList())).isEqualTo(REPLY);
        }
      } else {
        s.send(message, StreamListener.of(x -> {}, r -> {}, e -> {})).result().get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      if (!message.endsWith("/fail")) {
        throw new AssertionError(message + " failed", e);
      }
    }
  }

  /** Whole turns only: user, then the full reply; every completed message once; no failed or cancelled one. */
  private static void checkHistory(String id, List<SessionMessage> history, int turns) {
    assertThat(history.size() % 2).as(id).isZero();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < history.size(); i += 2) {
      ChatMessage user = history.get(i).message();
      ChatMessage reply = history.get(i + 1).message();
      assertThat(user.role()).isEqualTo("user");
      assertThat(user.content()).startsWith(id + "/").doesNotContain("/fail").doesNotContain("/cancel");
      assertThat(seen.add(user.content())).as("each message once").isTrue();
      assertThat(reply.role()).isEqualTo("assistant");
      assertThat(reply.content()).isEqualTo(REPLY);
      assertThat(history.get(i + 1).partial()).isFalse();
    }
    assertThat(seen.size()).isLessThanOrEqualTo(turns);
  }

  /** Each request carried exactly a prefix of the final history (what was committed before it), plus its message. */
  private void checkRequests(String id, List<SessionMessage> history) {
    List<String> committed = new ArrayList<>();
    for (SessionMessage m : history) {
      committed.add(m.message().role() + ":" + m.message().content());
    }
    List<List<String>> requests = sent.getOrDefault(id, List.of());
    int completed = 0;
    for (List<String> request : requests) {
      List<String> prior = request.subList(0, request.size() - 1);
      assertThat(committed.size()).as(id + " request history is a committed prefix").isGreaterThanOrEqualTo(prior.size());
      assertThat(committed.subList(0, prior.size())).as(id + " request history is a committed prefix").isEqualTo(prior);
      if (committed.size() > prior.size() && committed.get(prior.size()).equals(request.get(request.size() - 1))) {
        completed++;
      }
    }
    assertThat(completed).as(id + ": every committed turn was sent once with its history").isEqualTo(history.size() / 2);
  }
}
