package io.github.llamaclient.examples.mqtt;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.examples.testing.Mosquitto;
import io.github.llamaclient.examples.testing.PacedUpstream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bridge between a real Mosquitto broker and a llama-server replaying recordings. */
@Timeout(90)
class MqttBridgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX = 160;
  /** The user message of each recording the replaying server answers with. */
  private static final Map<String, String> RECORDING_BY_QUESTION =
      Map.of(
          "Tell me about AI.", "chat-stream-basic",
          "Write a short poem", "chat-stream-usage",
          "How are you?", "chat-stream-multiturn",
          "Why is the sky blue?", "chat-stream-reasoning");

  private Mosquitto broker;
  private LlamaServerStub llama;
  private LlamaClient client;
  private MqttBridge bridge;
  private Mqtt5AsyncClient tester;
  private final Map<String, List<JsonNode>> replies = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    broker = Mosquitto.start();
    llama = LlamaServerStub.start();
    llama.answer(
        request -> {
          JsonNode body;
          try {
            body = JSON.readTree(request.body());
          } catch (Exception e) {
            return StubReply.error(500, "server_error", e.toString());
          }
          JsonNode messages = body.get("messages");
          String question = messages.get(messages.size() - 1).get("content").asText();
          return StubReply.of(Recordings.load(RECORDING_BY_QUESTION.get(question)));
        });
    client = LlamaClient.builder().baseUrl(llama.url()).build();
    bridge = startBridge(true);
    tester = connectTester();
  }

  private MqttBridge startBridge(boolean streamed) throws Exception {
    MqttBridge b = new MqttBridge(client, new MqttBridge.Config("127.0.0.1", broker.port(), "llm/requests", streamed, MAX));
    b.start();
    return b;
  }

  private Mqtt5AsyncClient connectTester() throws Exception {
    Mqtt5AsyncClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("tester-" + UUID.randomUUID())
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .buildAsync();
    c.connect().get(20, TimeUnit.SECONDS);
    c.subscribeWith()
        .topicFilter("test/replies/#")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(
            p -> {
              String corr = p.getCorrelationData().map(b -> StandardCharsets.UTF_8.decode(b.duplicate()).toString()).orElse("none");
              try {
                replies.computeIfAbsent(corr, k -> new CopyOnWriteArrayList<>()).add(JSON.readTree(p.getPayloadAsBytes()));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              assertThat(p.getPayloadAsBytes().length).isLessThanOrEqualTo(Math.max(MAX, 4096));
            })
        .send()
        .get(20, TimeUnit.SECONDS);
    return c;
  }

  @AfterEach
  void stop() throws Exception {
    if (tester != null) {
      tester.disconnect().exceptionally(t -> null).get(5, TimeUnit.SECONDS);
    }
    if (bridge != null) {
      bridge.close();
    }
    client.close();
    llama.close();
    broker.close();
  }

  private void request(String correlation, String payload) throws Exception {
    tester.publishWith()
        .topic("llm/requests")
        .qos(MqttQos.AT_LEAST_ONCE)
        .responseTopic("test/replies/" + correlation)
        .correlationData(correlation.getBytes(StandardCharsets.UTF_8))
        .payload(payload.getBytes(StandardCharsets.UTF_8))
        .send()
        .get(20, TimeUnit.SECONDS);
  }

  private static String ask(String question) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}],\"max_tokens\":48}";
  }

  /** Waits for the final message (done, reply or error) for a correlation id. */
  private List<JsonNode> awaitEnd(String correlation, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      List<JsonNode> got = replies.getOrDefault(correlation, List.of());
      if (got.stream().anyMatch(n -> !n.get("type").asText().equals("chunk"))) {
        return new ArrayList<>(got);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no final message for " + correlation + "; got " + replies.get(correlation));
  }

  /** Checks the numbering and returns the reassembled text. */
  private static String reassemble(List<JsonNode> messages) {
    List<JsonNode> sorted = new ArrayList<>(messages);
    sorted.sort(Comparator.comparingInt(n -> n.get("seq").asInt()));
    for (int i = 0; i < sorted.size(); i++) {
      assertThat(sorted.get(i).get("seq").asInt()).as("no gap, no duplicate").isEqualTo(i);
    }
    JsonNode done = sorted.get(sorted.size() - 1);
    assertThat(done.get("type").asText()).isEqualTo("done");
    assertThat(done.get("chunks").asInt()).isEqualTo(sorted.size() - 1);
    StringBuilder sb = new StringBuilder();
    for (JsonNode n : sorted.subList(0, sorted.size() - 1)) {
      assertThat(n.get("type").asText()).isEqualTo("chunk");
      sb.append(n.get("content").asText());
    }
    return sb.toString();
  }

  @Test
  void aStreamedReplyReassemblesInOrderAndEndsWithFinishReasonAndTimings() throws Exception {
    request("one", ask("Tell me about AI."));
    List<JsonNode> got = awaitEnd("one", Duration.ofSeconds(30));
    // QoS 1 from one publisher on one topic: they arrive in order
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i).get("seq").asInt()).isEqualTo(i);
    }
    assertThat(reassemble(got)).isEqualTo(Recordings.load("chat-stream-basic").content());
    JsonNode done = got.get(got.size() - 1);
    assertThat(done.get("finish_reason").asText()).isEqualTo("length");
    assertThat(done.get("timings").get("predicted_n").asInt()).isEqualTo(48);
    JsonNode sent = JSON.readTree(llama.takeRequest().body());
    assertThat(sent.get("max_tokens").asInt()).isEqualTo(48);
    assertThat(sent.get("stream").asBoolean()).isTrue();
  }

  @Test
  void severalConcurrentRequestsEachGetTheirOwnReply() throws Exception {
    List<String> questions = List.of("Tell me about AI.", "Write a short poem", "How are you?", "Why is the sky blue?");
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < questions.size(); i++) {
        request("c" + round + "-" + i, ask(questions.get(i)));
      }
    }
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < questions.size(); i++) {
        List<JsonNode> got = awaitEnd("c" + round + "-" + i, Duration.ofSeconds(30));
        String expected = Recordings.load(RECORDING_BY_QUESTION.get(questions.get(i))).content();
        assertThat(reassemble(got)).as(questions.get(i)).isEqualTo(expected);
      }
    }
  }

  @Test
  void badRequestsGetAnErrorReplyNeverSilence() throws Exception {
    request("bad-json", "{this is not json");
    request("no-messages", "{\"temperature\": 0.5}");
    request("bad-number", "{\"prompt\": \"hi\", \"max_tokens\": \"many\"}");
    for (String c : List.of("bad-json", "no-messages", "bad-number")) {
      List<JsonNode> got = awaitEnd(c, Duration.ofSeconds(20));
      assertThat(got).hasSize(1);
      assertThat(got.get(0).get("type").asText()).isEqualTo("error");
      assertThat(got.get(0).get("error").asText()).isNotBlank();
    }
    assertThat(replies.get("bad-json").get(0).get("error").asText()).contains("not valid JSON");
    assertThat(llama.requestCount()).isZero();
  }

  @Test
  void theNonStreamedModePublishesOneMessage() throws Exception {
    request("whole", "{\"prompt\": \"Tell me about AI.\", \"max_tokens\": 48, \"stream\": false}");
    List<JsonNode> got = awaitEnd("whole", Duration.ofSeconds(30));
    assertThat(got).hasSize(1);
    assertThat(got.get(0).get("type").asText()).isEqualTo("reply");
    assertThat(got.get(0).get("content").asText()).isEqualTo(Recordings.load("chat-stream-basic").content());
    assertThat(got.get(0).get("finish_reason").asText()).isEqualTo("length");
  }

  @Test
  void theBridgeSurvivesABrokerRestart() throws Exception {
    request("before", ask("Tell me about AI."));
    awaitEnd("before", Duration.ofSeconds(30));

    broker.stopProcess();
    tester.disconnect().exceptionally(t -> null).get(5, TimeUnit.SECONDS);
    broker.startProcess(); // same port, no memory of the old sessions
    tester = connectTester();

    // the bridge reconnects and subscribes again by itself; ask until it answers
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    String answered = null;
    for (int attempt = 0; answered == null && System.nanoTime() < end; attempt++) {
      String corr = "after-" + attempt;
      request(corr, ask("Tell me about AI."));
      long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (answered == null && System.nanoTime() < wait) {
        for (String k : replies.keySet()) {
          if (k.startsWith("after-") && replies.get(k).stream().anyMatch(n -> n.get("type").asText().equals("done"))) {
            answered = k;
          }
        }
        Thread.sleep(20);
      }
    }
    assertThat(answered).as("a request after the restart was answered").isNotNull();
    assertThat(reassemble(replies.get(answered))).isEqualTo(Recordings.load("chat-stream-basic").content());
  }

  @Test
  @Timeout(240)
  void threeHundredRequestsAtOnceStayWithinTheLimitsAndEachGetsAReplyOrBusy() throws Exception {
    bridge.close();
    Recording basic = Recordings.load("chat-stream-basic");
    try (PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(2));
        LlamaClient paced = LlamaClient.builder().baseUrl(upstream.url()).build()) {
      int workers = 6;
      int streams = 3;
      int queue = 40;
      bridge = new MqttBridge(paced, new MqttBridge.Config("127.0.0.1", broker.port(), "llm/requests", true, 4096, workers, streams, queue));
      bridge.start();
      int n = 300;
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String corr = "load-" + i;
        sent.add(
            tester.publishWith()
                .topic("llm/requests")
                .qos(MqttQos.AT_LEAST_ONCE)
                .responseTopic("test/replies/" + corr)
                .correlationData(corr.getBytes(StandardCharsets.UTF_8))
                .payload(ask("Tell me about AI.").getBytes(StandardCharsets.UTF_8))
                .send());
      }
      CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);

      int peakThreads = 0;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      int ended = 0;
      while (System.nanoTime() < end) {
        peakThreads = Math.max(peakThreads, bridgeThreads());
        ended = 0;
        for (int i = 0; i < n; i++) {
          if (replies.getOrDefault("load-" + i, List.of()).stream().anyMatch(m -> !m.get("type").asText().equals("chunk"))) {
            ended++;
          }
        }
        if (ended == n) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(ended).as("requests answered with done or an error").isEqualTo(n);
      int done = 0;
      int busy = 0;
      String expected = basic.content();
      for (int i = 0; i < n; i++) {
        List<JsonNode> got = replies.get("load-" + i);
        JsonNode last = got.stream().filter(m -> !m.get("type").asText().equals("chunk")).findFirst().orElseThrow();
        if (last.get("type").asText().equals("done")) {
          assertThat(reassemble(got)).isEqualTo(expected);
          done++;
        } else {
          assertThat(last.get("code").asText()).as("load-%d: %s", i, last).isEqualTo("busy");
          assertThat(got).hasSize(1);
          busy++;
        }
      }
      assertThat(done).as("served").isGreaterThanOrEqualTo(workers + queue);
      assertThat(busy).as("refused as busy").isPositive();
      assertThat(upstream.peakConcurrentStreams()).as("upstream streams at once").isBetween(1, streams);
      assertThat(bridge.peakWorkers()).as("requests served at once").isBetween(1, workers);
      assertThat(peakThreads).as("bridge threads alive at once").isBetween(1, workers);
    }
  }

  /** The bridge's worker threads alive now. */
  private static int bridgeThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("mqtt-bridge")).count();
  }

  @SuppressWarnings("unused")
  private static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
  }
}
