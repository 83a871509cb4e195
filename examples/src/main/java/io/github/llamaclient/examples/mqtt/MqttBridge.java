package io.github.llamaclient.examples.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.Timings;
import io.github.llamaclient.Usage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * An MQTT bridge to a llama-server. It subscribes to a request topic; each request is a JSON
 * message that names where to answer with MQTT 5's <em>response topic</em> (and, to tell replies
 * apart, <em>correlation data</em>, echoed on every reply message):
 *
 * <pre>{@code
 * {"messages": [{"role": "user", "content": "Hello"}], "temperature": 0.7, "top_p": 0.9,
 *  "max_tokens": 256, "stream": true}
 * }</pre>
 *
 * <p>({@code "prompt": "Hello"} is short for one user message; {@code "stream"} overrides the
 * bridge's mode.) Streamed, the reply arrives as numbered chunks {@code {"type":"chunk","seq":0,
 * "content":"..."}}, each at most the configured size, then {@code {"type":"done","seq":N,
 * "finish_reason":"stop","chunks":N,"timings":{...},"usage":{...}}}. Not streamed, as one {@code
 * {"type":"reply","content":"...",...}}. A request that cannot be served gets {@code
 * {"type":"error","error":"..."}}: bad JSON is answered, never dropped. Replies are published with
 * QoS 1, so they arrive in order.
 *
 * <p>The MQTT client (HiveMQ) reconnects by itself and subscribes again when the broker lost the
 * session (a restarted broker).
 *
 * <p>Bounded under load: requests run on a fixed pool of {@link Config#workers()} threads, wait in a
 * queue of at most {@link Config#queueLimit()} requests, and at most {@link
 * Config#maxUpstreamStreams()} of them talk to llama-server at once (the others wait for a turn).
 * A request that finds the queue full is answered at once with {@code {"type":"error","code":
 * "busy","error":"..."}}: never dropped, never a new thread. Every error reply carries a {@code
 * code}: {@code bad_request}, {@code busy}, {@code upstream} (llama-server failed) or {@code
 * internal}.
 */
public final class MqttBridge implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MqttBridge.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The bridge's settings.
   *
   * @param host the broker's host
   * @param port the broker's port
   * @param requestTopic the topic (filter) requests arrive on
   * @param streamed whether replies stream as chunks by default
   * @param maxMessageBytes the largest chunk payload, at least 128 bytes
   * @param workers threads that serve requests, 1 or more
   * @param maxUpstreamStreams requests served by llama-server at once, 1 or more (more than
   *     llama-server's slots only makes requests wait there)
   * @param queueLimit requests that may wait for a worker, 0 or more; beyond it, a {@code busy} reply
   */
  record Config(
      String host,
      int port,
      String requestTopic,
      boolean streamed,
      int maxMessageBytes,
      int workers,
      int maxUpstreamStreams,
      int queueLimit) {
    /** The defaults for the limits: 8 workers, 4 upstream streams, 64 queued requests. */
    Config(String host, int port, String requestTopic, boolean streamed, int maxMessageBytes) {
      this(host, port, requestTopic, streamed, maxMessageBytes, 8, 4, 64);
    }

    Config {
      if (workers < 1 || maxUpstreamStreams < 1 || queueLimit < 0) {
        throw new IllegalArgumentException(
            "workers and maxUpstreamStreams must be 1 or more and queueLimit 0 or more, were "
                + workers + ", " + maxUpstreamStreams + ", " + queueLimit);
      }
      if (maxMessageBytes < ChunkWriter.MIN_MESSAGE_BYTES) {
        throw new IllegalArgumentException(
            "maxMessageBytes must be at least " + ChunkWriter.MIN_MESSAGE_BYTES + ", was " + maxMessageBytes);
      }
      if (requestTopic.isBlank()) {
        throw new IllegalArgumentException("the request topic must not be blank");
      }
    }
  }

  private final LlamaClient llama;
  private final Config config;
  private final Mqtt5AsyncClient mqtt;
  private final ThreadPoolExecutor workers;
  private final Semaphore upstream;
  private final AtomicInteger busyWorkers = new AtomicInteger();
  private final AtomicInteger peakWorkers = new AtomicInteger();
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger peakStreams = new AtomicInteger();

  MqttBridge(LlamaClient llama, Config config) {
    this.llama = llama;
    this.config = config;
    AtomicInteger n = new AtomicInteger();
    this.workers =
        new ThreadPoolExecutor(
            config.workers(),
            config.workers(),
            0,
            TimeUnit.MILLISECONDS,
            config.queueLimit() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(config.queueLimit()),
            r -> {
              Thread t = new Thread(r, "mqtt-bridge-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    this.upstream = new Semaphore(config.maxUpstreamStreams(), true);
    // tag::mqtt-client[]
    this.mqtt =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("llama-bridge-" + UUID.randomUUID())
            .serverHost(config.host())
            .serverPort(config.port())
            .automaticReconnect() // also subscribes again if the broker lost the session
            .initialDelay(100, TimeUnit.MILLISECONDS)
            .maxDelay(2, TimeUnit.SECONDS)
            .applyAutomaticReconnect()
            .buildAsync();
    // end::mqtt-client[]
  }

  /**
   * Connects and subscribes; returns once the subscription is in place.
   *
   * @throws Exception if the broker cannot be reached within 30 seconds
   */
  void start() throws Exception {
    mqtt.connectWith().cleanStart(true).send().get(30, TimeUnit.SECONDS);
    mqtt.subscribeWith()
        .topicFilter(config.requestTopic())
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(this::accept)
        .send()
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * Runs the bridge: broker from {@code MQTT_HOST} (default 127.0.0.1) and {@code MQTT_PORT}
   * (1883), requests on {@code MQTT_REQUEST_TOPIC} ({@code llm/requests}), {@code MQTT_STREAM}
   * ({@code true}), {@code MQTT_MAX_MESSAGE_BYTES} (4096), {@code MQTT_WORKERS} (8), {@code
   * MQTT_MAX_UPSTREAM_STREAMS} (4), {@code MQTT_QUEUE_LIMIT} (64); llama-server from {@code
   * LLAMA_SERVER_URL} and the other client variables.
   *
   * @param args not used
   * @throws Exception if the broker cannot be reached
   */
  public static void main(String[] args) throws Exception {
    var env = System.getenv();
    Config config =
        new Config(
            env.getOrDefault("MQTT_HOST", "127.0.0.1"),
            Integer.parseInt(env.getOrDefault("MQTT_PORT", "1883")),
            env.getOrDefault("MQTT_REQUEST_TOPIC", "llm/requests"),
            Boolean.parseBoolean(env.getOrDefault("MQTT_STREAM", "true")),
            Integer.parseInt(env.getOrDefault("MQTT_MAX_MESSAGE_BYTES", "4096")),
            Integer.parseInt(env.getOrDefault("MQTT_WORKERS", "8")),
            Integer.parseInt(env.getOrDefault("MQTT_MAX_UPSTREAM_STREAMS", "4")),
            Integer.parseInt(env.getOrDefault("MQTT_QUEUE_LIMIT", "64")));
    MqttBridge bridge = new MqttBridge(LlamaClient.fromEnv(), config);
    bridge.start();
    System.out.println("Bridging " + config.requestTopic() + " on " + config.host() + ":" + config.port() + " to " + bridge.llama.baseUrl());
  }

  /**
   * On the MQTT client's thread: queues the request for a worker, or answers {@code busy} at once
   * (without waiting for the broker, which this thread serves).
   */
  private void accept(Mqtt5Publish request) {
    String responseTopic = request.getResponseTopic().map(Object::toString).orElse(null);
    byte[] correlation = request.getCorrelationData().map(MqttBridge::bytes).orElse(null);
    if (responseTopic == null) {
      LOG.log(System.Logger.Level.WARNING, "request on " + request.getTopic() + " has no response topic; cannot answer");
      return;
    }
    Reply reply = new Reply(responseTopic, correlation);
    try {
      workers.execute(() -> serveCounted(request, reply));
    } catch (RejectedExecutionException e) {
      reply.busy(
          "the bridge is busy: " + config.workers() + " requests running and " + config.queueLimit()
              + " waiting; try again later");
    }
  }

  private void serveCounted(Mqtt5Publish request, Reply reply) {
    peakWorkers.accumulateAndGet(busyWorkers.incrementAndGet(), Math::max);
    try {
      serve(request, reply);
    } finally {
      busyWorkers.decrementAndGet();
    }
  }

  /** The most requests served at once so far (for tests and monitoring). */
  int peakWorkers() {
    return peakWorkers.get();
  }

  /** The most llama-server streams open at once so far. */
  int peakUpstreamStreams() {
    return peakStreams.get();
  }

  /** One request, on a worker thread. */
  private void serve(Mqtt5Publish request, Reply reply) {
    ChatRequest chat;
    boolean streamed;
    try {
      JsonNode body = JSON.readTree(request.getPayloadAsBytes());
      if (body == null || !body.isObject()) {
        throw new IllegalArgumentException("the request must be a JSON object");
      }
      chat = chatRequest(body);
      streamed = body.has("stream") ? body.get("stream").asBoolean() : config.streamed();
    } catch (java.io.IOException e) {
      reply.error("bad_request", "the request is not valid JSON: " + e.getMessage());
      return;
    } catch (IllegalArgumentException e) {
      reply.error("bad_request", "bad request: " + e.getMessage());
      return;
    }
    try {
      upstream.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing
      reply.error("internal", "the bridge is shutting down");
      return;
    }
    peakStreams.accumulateAndGet(openStreams.incrementAndGet(), Math::max);
    try {
      if (streamed) {
        streamReply(chat, reply);
      } else {
        ChatResult r = llama.chat().call(chat);
        ObjectNode n = summary("reply", r);
        n.put("content", r.text());
        reply.publish(n);
      }
    } catch (LlamaException e) {
      reply.error("upstream", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "request failed", e);
      reply.error("internal", "the bridge failed: " + e);
    } finally {
      openStreams.decrementAndGet();
      upstream.release();
    }
  }

  // tag::stream-chunks[]
  private void streamReply(ChatRequest chat, Reply reply) {
    ChunkWriter chunks = new ChunkWriter(config.maxMessageBytes());
    try (ChatStream events = llama.chat().stream(chat)) {
      for (ChatEvent e : events) {
        if (e instanceof ChatEvent.Content) {
          for (byte[] payload : chunks.chunks(((ChatEvent.Content) e).text())) {
            reply.publish(payload);
          }
        }
      }
      ChatResult result = events.result();
      ObjectNode done = summary("done", result);
      done.put("seq", chunks.nextSeq());
      done.put("chunks", chunks.count() - 1);
      reply.publish(done);
    }
  }
  // end::stream-chunks[]

  private static ChatRequest chatRequest(JsonNode body) {
    ChatRequest.Builder b = ChatRequest.builder();
    JsonNode messages = body.get("messages");
    if (messages != null) {
      if (!messages.isArray() || messages.isEmpty()) {
        throw new IllegalArgumentException("\"messages\" must be a non-empty array");
      }
      List<ChatMessage> list = new ArrayList<>();
      for (JsonNode m : messages) {
        if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
          throw new IllegalArgumentException("each message needs a text \"role\" and \"content\"");
        }
        list.add(ChatMessage.of(m.get("role").asText(), m.get("content").asText()));
      }
      b.messages(list);
    } else if (body.path("prompt").isTextual()) {
      b.user(body.get("prompt").asText());
    } else {
      throw new IllegalArgumentException("give \"messages\" or \"prompt\"");
    }
    if (body.hasNonNull("temperature")) {
      b.temperature(requireNumber(body, "temperature"));
    }
    if (body.hasNonNull("top_p")) {
      b.topP(requireNumber(body, "top_p"));
    }
    if (body.hasNonNull("max_tokens")) {
      b.maxTokens((int) requireNumber(body, "max_tokens"));
    }
    if (body.hasNonNull("seed")) {
      b.seed((long) requireNumber(body, "seed"));
    }
    return b.build();
  }

  private static double requireNumber(JsonNode body, String field) {
    if (!body.get(field).isNumber()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a number");
    }
    return body.get(field).asDouble();
  }

  private static ObjectNode summary(String type, ChatResult r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", type);
    n.put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT));
    Timings t = r.timings();
    if (t != null) {
      ObjectNode tn = n.putObject("timings");
      tn.put("prompt_n", t.promptN()).put("prompt_ms", t.promptMs());
      tn.put("predicted_n", t.predictedN()).put("predicted_ms", t.predictedMs());
      tn.put("predicted_per_second", t.predictedPerSecond());
    }
    Usage u = r.usage();
    if (u != null) {
      n.putObject("usage")
          .put("prompt_tokens", u.promptTokens())
          .put("completion_tokens", u.completionTokens())
          .put("total_tokens", u.totalTokens());
    }
    return n;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  /** Where one request's answers go. Publishes wait for the broker's acknowledgement (QoS 1). */
  private final class Reply {
    private final String topic;
    private final byte @Nullable [] correlation;

    Reply(String topic, byte @Nullable [] correlation) {
      this.topic = topic;
      this.correlation = correlation;
    }

    void publish(ObjectNode message) {
      try {
        publish(JSON.writeValueAsBytes(message));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    void publish(byte[] payload) {
      var p = mqtt.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).contentType("application/json").payload(payload);
      if (correlation != null) {
        p.correlationData(correlation);
      }
      try {
        p.send().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("cannot publish to " + topic + ": " + e, e);
      }
    }

    void error(String code, String message) {
      ObjectNode n = JSON.createObjectNode().put("type", "error").put("code", code).put("error", message);
      try {
        publish(n);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot send the error reply to " + topic, e);
      }
    }

    /** A {@code busy} error, sent without waiting for the broker's acknowledgement. */
    void busy(String message) {
      ObjectNode n = JSON.createObjectNode().put("type", "error").put("code", "busy").put("error", message);
      var p =
          mqtt.publishWith()
              .topic(topic)
              .qos(MqttQos.AT_LEAST_ONCE)
              .contentType("application/json")
              .payload(n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      if (correlation != null) {
        p.correlationData(correlation);
      }
      p.send()
          .whenComplete(
              (ack, t) -> {
                if (t != null) {
                  LOG.log(System.Logger.Level.WARNING, "cannot send the busy reply to " + topic, t);
                }
              });
    }
  }

  /** Disconnects and stops the workers (a reply still streaming is cut). Does not close the client. */
  @Override
  public void close() {
    workers.shutdown();
    try {
      if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
        workers.shutdownNow(); // interrupts: the open llama streams close
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    try {
      mqtt.disconnect().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // already gone
    }
  }
}
