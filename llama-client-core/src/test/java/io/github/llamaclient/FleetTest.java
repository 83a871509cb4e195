package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.Await;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.Transcript;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client over several servers: requests spread by load, affinity keys stick to one server, a
 * server that cannot be reached is skipped without sending anything twice, a stream its server
 * cuts fails naming that server, a server back up takes requests again, and no server left is a
 * typed error. Each server is a MockWebServer answering {@code /health} and {@code /slots} with
 * recordings; time is a fake clock, so the prober runs only when a test moves it.
 */
@Timeout(60)
class FleetTest {
  private static final ChatRequest HI = ChatRequest.builder().user("Hi").build();
  private final List<Server> servers = new ArrayList<>();
  private final FakeClock clock = new FakeClock();
  private LlamaClient client;

  /** One stand-in llama-server: recorded health and slots, a chat reply of the test's choice. */
  private static final class Server extends Dispatcher {
    final MockWebServer web = new MockWebServer();
    final AtomicInteger chats = new AtomicInteger();
    volatile Supplier<MockResponse> chat = () -> Transcript.load("chat-stream-basic").response();
    volatile Supplier<MockResponse> health = () -> Transcript.load("health").response();
    volatile boolean slotsBusy; // both slots busy with other clients' work

    /** The recorded {@code /slots}, with both slots processing when {@link #slotsBusy}. */
    MockResponse slots() {
      Transcript t = Transcript.load("slots");
      if (!slotsBusy) {
        return t.response();
      }
      String busy = t.bodyText().replace("\"is_processing\":false", "\"is_processing\":true");
      return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(busy).build();
    }

    Server() throws Exception {
      web.setDispatcher(this);
      web.start();
    }

    URI url() {
      return web.url("/").uri();
    }

    String prefix() {
      String u = url().toString();
      return u.substring(0, u.length() - 1);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String target = request.getTarget();
      if (target.equals("/health")) {
        return health.get();
      }
      if (target.equals("/slots")) {
        return slots(); // two slots
      }
      if (target.equals("/v1/chat/completions")) {
        chats.incrementAndGet();
        return chat.get();
      }
      return Transcript.load("not-found").response();
    }
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    for (Server s : servers) {
      s.web.close();
    }
  }

  private LlamaClient fleetOf(int n) throws Exception {
    List<URI> urls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Server s = new Server();
      servers.add(s);
      urls.add(s.url());
    }
    client = LlamaClient.builder().servers(urls).clock(clock).build();
    awaitStates(ServerStatus.State.UP); // the first round of probes runs at once
    return client;
  }

  private void awaitStates(ServerStatus.State... states) throws InterruptedException {
    Await.until(
        "server states " + List.of(states),
        () -> client.fleet().servers().stream().map(ServerStatus::state).toList().equals(expand(states)));
  }

  private List<ServerStatus.State> expand(ServerStatus.State... states) {
    List<ServerStatus.State> out = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      out.add(states.length == 1 ? states[0] : states[i]);
    }
    return out;
  }

  /** An affinity key that ranks the given server first among all of them. */
  private String keyRanking(Server wanted) {
    for (int i = 0; ; i++) {
      String key = "session-" + i;
      Server best = null;
      long bestScore = 0;
      for (Server s : servers) {
        long score = Fleet.rank(key, s.prefix());
        if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
          best = s;
          bestScore = score;
        }
      }
      if (best == wanted) {
        return key;
      }
    }
  }

  private static String text(LlamaClient c, ChatRequest r) {
    return c.chat().call(r).text();
  }

  @Test
  void openStreamsSpreadOverTheServersByLoad() throws Exception {
    fleetOf(3);
    servers.get(0).slotsBusy = true; // another client keeps server 0's two slots busy
    client.fleet().probe();
    assertThat(client.fleet().servers().get(0).busySlots()).isEqualTo(2);
    List<ChatStream> open = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      open.add(client.chat().stream(HI)); // sent now, held open: each counts at its server until closed
    }
    Await.until("4 requests arrived", () -> servers.stream().mapToInt(s -> s.chats.get()).sum() == 4);
    // the least loaded server takes each one: 0, 2, 2 (in turn would give server 0 one or two;
    // all to one server, four)
    assertThat(servers.stream().map(s -> s.chats.get()).toList()).containsExactly(0, 2, 2);
    assertThat(client.fleet().servers().stream().map(ServerStatus::inFlight).toList()).containsExactly(0, 2, 2);
    open.forEach(ChatStream::close);
    Await.until("nothing in flight", () -> client.fleet().servers().stream().allMatch(s -> s.inFlight() == 0));
  }

  @Test
  void anAffinityKeyStaysOnOneServerAndKeysSpreadOverAll() throws Exception {
    fleetOf(3);
    Map<String, Set<Integer>> serversOfKey = new HashMap<>();
    for (int k = 0; k < 30; k++) {
      for (int turn = 0; turn < 3; turn++) {
        String key = "session-" + k;
        int[] before = servers.stream().mapToInt(s -> s.chats.get()).toArray();
        text(client, HI.toBuilder().affinity(key).build());
        for (int i = 0; i < servers.size(); i++) {
          if (servers.get(i).chats.get() != before[i]) {
            serversOfKey.computeIfAbsent(key, x -> new HashSet<>()).add(i);
          }
        }
      }
    }
    assertThat(serversOfKey).hasSize(30).allSatisfy((key, used) -> assertThat(used).as(key).hasSize(1));
    // 90 requests: every server has some sessions (uniform would be 30 requests each)
    assertThat(servers).allSatisfy(s -> assertThat(s.chats.get()).isBetween(9, 60));
  }

  @Test
  void addingAServerMovesOnlyTheKeysItNowRanksFirst() {
    List<String> three = List.of("http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080");
    List<String> four = new ArrayList<>(three);
    four.add("http://10.0.0.4:8080");
    int moved = 0;
    int keys = 10_000;
    for (int k = 0; k < keys; k++) {
      String key = "session-" + k;
      String before = owner(key, three);
      String after = owner(key, four);
      if (!before.equals(after)) {
        assertThat(after).as("a moved key moves to the new server only").isEqualTo("http://10.0.0.4:8080");
        moved++;
      }
    }
    // about a quarter (a modulo over the server count would move about three quarters)
    assertThat(moved).isBetween(keys / 5, keys * 3 / 10);
  }

  private static String owner(String key, List<String> servers) {
    String best = null;
    long bestScore = 0;
    for (String s : servers) {
      long score = Fleet.rank(key, s);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
        best = s;
        bestScore = score;
      }
    }
    return best;
  }

  @Test
  void aServerThatCannotBeReachedIsSkippedAndNothingIsSentTwice() throws Exception {
    fleetOf(3);
    Server gone = servers.get(0);
    String key = keyRanking(gone);
    gone.web.close(); // connections refused from now on; the prober does not know yet
    String expected = Transcript.load("chat-stream-basic").expectedContent();
    assertThat(text(client, HI.toBuilder().affinity(key).build())).isEqualTo(expected);
    assertThat(servers.get(1).chats.get() + servers.get(2).chats.get()).as("sent once, elsewhere").isEqualTo(1);
    ServerStatus status = client.fleet().servers().get(0);
    assertThat(status.state()).isEqualTo(ServerStatus.State.DOWN);
    assertThat(status.connectFailures()).isEqualTo(1);
    assertThat(status.inFlight()).isZero();
    // later requests, with the key or without, go to the others at once
    for (int i = 0; i < 6; i++) {
      assertThat(text(client, i % 2 == 0 ? HI : HI.toBuilder().affinity(key).build())).isEqualTo(expected);
    }
    assertThat(servers.get(1).chats.get() + servers.get(2).chats.get()).isEqualTo(7);
    assertThat(client.fleet().servers().get(0).connectFailures()).isEqualTo(1);
  }

  @Test
  void aStreamItsServerCutsFailsNamingThatServerAndIsNotSentAgain() throws Exception {
    fleetOf(3);
    Server cutting = servers.get(1);
    cutting.chat = () -> Transcript.load("chat-stream-cut-mid-stream").response();
    String key = keyRanking(cutting);
    try (ChatStream s = client.chat().stream(HI.toBuilder().affinity(key).build())) {
      assertThatThrownBy(() -> s.events().forEach(e -> {}))
          .isInstanceOf(StreamInterruptedException.class)
          .hasMessageContaining(cutting.url().getHost() + ":" + cutting.url().getPort());
    }
    assertThat(cutting.chats.get()).isEqualTo(1);
    assertThat(servers.get(0).chats.get() + servers.get(2).chats.get()).as("never sent again").isZero();
    assertThat(client.fleet().servers().get(1).state()).as("an answer that broke is no connect failure").isEqualTo(ServerStatus.State.UP);
  }

  @Test
  void aLoadingServerTakesNoRequestUntilItIsUpThenTakesItsSessionsBack() throws Exception {
    fleetOf(2);
    Server loading = servers.get(0);
    String key = keyRanking(loading);
    String body503 = "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}"; // API.md
    loading.health = () -> new MockResponse.Builder().code(503).addHeader("Content-Type", "application/json").body(body503).build();
    client.fleet().probe();
    assertThat(client.fleet().servers().get(0).state()).isEqualTo(ServerStatus.State.LOADING);
    text(client, HI.toBuilder().affinity(key).build());
    assertThat(loading.chats.get()).as("its session went elsewhere meanwhile").isZero();
    loading.health = () -> Transcript.load("health").response();
    clock.advance(Duration.ofMillis(250)); // the first re-probe of a server not up
    awaitStates(ServerStatus.State.UP);
    text(client, HI.toBuilder().affinity(key).build());
    assertThat(loading.chats.get()).as("the session is back on its server").isEqualTo(1);
  }

  @Test
  void noServerLeftIsATypedErrorNamingEachServer() throws Exception {
    fleetOf(2);
    for (Server s : servers) {
      s.web.close();
    }
    assertThatThrownBy(() -> text(client, HI))
        .isInstanceOf(NoServerAvailableException.class)
        .hasMessageContaining(servers.get(0).prefix())
        .hasMessageContaining(servers.get(1).prefix())
        .hasMessageContaining("DOWN");
    assertThat(servers).allSatisfy(s -> assertThat(s.chats.get()).isZero());
  }

  @Test
  void theStreamLimitFromSlotsIsTheSumOfTheServersSlots() throws Exception {
    List<URI> urls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Server s = new Server();
      servers.add(s);
      urls.add(s.url());
    }
    client = LlamaClient.builder().servers(urls).clock(clock).concurrencyFromServerSlots().build();
    List<ChatStream> open = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      open.add(client.chat().stream(HI));
    }
    StreamLimiter limiter = client.limiter();
    Await.until("6 running, 1 queued", () -> limiter.running() == 6 && limiter.queued() == 1); // 3 × 2 slots
    open.forEach(ChatStream::close);
  }

  @Test
  void oneServerIsNotRoutedAndShowsItsStateOnceProbed() throws Exception {
    Server only = new Server();
    servers.add(only);
    client = LlamaClient.builder().baseUrl(only.url()).clock(clock).build();
    assertThat(client.fleet().servers()).singleElement().satisfies(s -> assertThat(s.state()).isEqualTo(ServerStatus.State.UNKNOWN));
    assertThat(client.fleet().probe()).singleElement().satisfies(s -> {
      assertThat(s.state()).isEqualTo(ServerStatus.State.UP);
      assertThat(s.slots()).isEqualTo(2);
    });
  }

  @Test
  void theBuilderRefusesBadServerLists() {
    assertThatThrownBy(() -> LlamaClient.builder().servers(List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    assertThatThrownBy(() -> LlamaClient.builder().servers("http://a:1", "http://a:1/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> LlamaClient.builder().servers("http://user:secret@a:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKey")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> LlamaClient.builder().servers("ftp://a:1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LlamaClient.builder().probeInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
