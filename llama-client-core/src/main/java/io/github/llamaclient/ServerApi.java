package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The server itself: health and waiting for the model ({@code GET /health}), properties ({@code GET
 * /props}, {@code POST /props}), Prometheus metrics ({@code GET /metrics}), models ({@code GET
 * /v1/models}) and LoRA adapters ({@code GET}/{@code POST /lora-adapters}). A GET waits at most 30 s (or the client's response timeout, if shorter) for its
 * reply. Blocking; interrupting the thread cancels the call. Thread-safe. Get it from {@link
 * LlamaClient#server()}.
 */
public final class ServerApi {
  private final ClientContext context;

  ServerApi(ClientContext context) {
    this.context = context;
  }

  /**
   * Whether the server has loaded its model: {@code GET /health} answers 200 (503 while loading).
   *
   * @return true if ready, false while the model loads
   * @throws LlamaConnectException if nothing answers
   * @throws LlamaException another failure
   */
  public boolean isReady() {
    try {
      JsonCall.call(context, context.get("/health"));
      return true;
    } catch (LlamaHttpException e) {
      if (e.statusCode() == 503) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Waits until the server has loaded its model, polling {@code GET /health} (a 503 "Loading model"
   * means wait; so does a refused connection, while the server starts), at most every second.
   *
   * @param timeout the longest wait
   * @throws NullPointerException if {@code timeout} is null
   * @throws LlamaTimeoutException.NotReady if the server is not ready in time
   * @throws StreamCancelledException if the thread is interrupted (its flag is set again)
   * @throws LlamaException another failure, such as 401
   */
  public void awaitReady(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Clock clock = context.clock();
    long deadline = clock.nanoTime() + timeout.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(50);
    String state = "no answer yet";
    while (true) {
      try {
        if (isReady()) {
          return;
        }
        state = "503 Loading model";
      } catch (LlamaConnectException e) {
        state = "connection refused";
      } catch (LlamaTimeoutException e) {
        state = String.valueOf(e.getMessage()); // never null: every LlamaTimeoutException has a message
      }
      long left = deadline - clock.nanoTime();
      if (left <= 0) {
        throw new LlamaTimeoutException.NotReady(context.baseUrl().toString(), timeout, state);
      }
      pause(clock, Math.min(pause, left), "llama-server to become ready");
      pause = Math.min(pause * 2, TimeUnit.SECONDS.toNanos(1));
    }
  }

  /**
   * Waits {@code nanos} on the client's clock between two polls.
   *
   * @throws StreamCancelledException if the thread is interrupted
   */
  static void pause(Clock clock, long nanos, String waitingFor) {
    CountDownLatch wake = new CountDownLatch(1);
    Clock.Scheduled next = clock.schedule(wake::countDown, nanos);
    try {
      wake.await();
    } catch (InterruptedException e) {
      next.cancel();
      Thread.currentThread().interrupt();
      throw new StreamCancelledException("interrupted while waiting for " + waitingFor);
    }
  }

  /**
   * The server's properties ({@code GET /props}): context size, slot count, chat template,
   * modalities. Needs the API key when the server has one.
   *
   * @return the properties
   * @throws LlamaException on failure
   */
  public ServerProps props() {
    return JsonCall.json(
        context,
        context.get("/props"),
        n ->
            new ServerProps(
                n.path("default_generation_settings").path("n_ctx").asInt(0),
                n.path("total_slots").asInt(0),
                n.path("model_alias").asText(""),
                n.path("model_path").asText(""),
                n.path("chat_template").asText(""),
                n.path("modalities").path("vision").asBoolean(false),
                n.path("modalities").path("audio").asBoolean(false),
                n.hasNonNull("build_info") ? n.get("build_info").asText() : null,
                n.path("is_sleeping").asBoolean(false),
                n.toString()));
  }

  /**
   * Changes server properties at run time ({@code POST /props}; needs {@code --props}, else {@link
   * NotSupportedException}).
   *
   * @param properties the properties to set, as JSON values
   * @throws NullPointerException if {@code properties} is null
   * @throws IllegalArgumentException if a value is not a JSON value
   * @throws LlamaException on failure
   */
  public void updateProps(Map<String, ?> properties) {
    Objects.requireNonNull(properties, "properties");
    Json.checkValue(properties, "properties");
    JsonCall.call(context, context.post("/props", Json.bytes(properties), false));
  }

  /**
   * The server's Prometheus metrics ({@code GET /metrics}; needs {@code --metrics}, else {@link
   * NotSupportedException}).
   *
   * @return the parsed values
   * @throws LlamaException on failure
   */
  public Metrics metrics() {
    byte[] body = JsonCall.call(context, context.get("/metrics")).body();
    return Metrics.parse(new String(body, StandardCharsets.UTF_8));
  }

  /**
   * The models the server serves ({@code GET /v1/models}; public even with an API key). In router
   * mode every known model is listed.
   *
   * @return the models, in the server's order
   * @throws LlamaException on failure
   */
  public List<ModelInfo> models() {
    return JsonCall.json(context, context.get("/v1/models"), ServerApi::models);
  }

  /**
   * The LoRA adapters the server loaded at start ({@code GET /lora-adapters}; {@code --lora FILE},
   * {@code --lora-scaled FILE SCALE}), with their global scales.
   *
   * @return the adapters, by id; empty if none was loaded
   * @throws LlamaException on failure
   */
  public List<LoraAdapter> loraAdapters() {
    return JsonCall.json(
        context,
        context.get("/lora-adapters"),
        n -> {
          if (!n.isArray()) {
            throw new IllegalStateException("expected an array of adapters");
          }
          List<LoraAdapter> out = new ArrayList<>();
          for (JsonNode a : n) {
            out.add(
                new LoraAdapter(
                    a.get("id").asInt(),
                    a.path("path").asText(""),
                    a.get("scale").asDouble(),
                    a.path("task_name").asText(""),
                    a.path("prompt_prefix").asText("")));
          }
          return List.copyOf(out);
        });
  }

  /**
   * Sets the global scales of loaded LoRA adapters ({@code POST /lora-adapters}); adapters not named
   * are set to scale 0 (off). A request's own {@code lora} overrides these for that request. The
   * server applies the change to requests that start after it.
   *
   * @param scales the scales; empty turns every adapter off
   * @throws NullPointerException if the list or an element is null
   * @throws LlamaException on failure (400 for a body llama-server refuses)
   */
  public void setLoraAdapters(List<LoraScale> scales) {
    Objects.requireNonNull(scales, "scales");
    JsonCall.call(context, context.post("/lora-adapters", Json.bytes(LoraScale.toWire(List.copyOf(scales))), false));
  }

  private static List<ModelInfo> models(JsonNode n) {
    List<ModelInfo> out = new ArrayList<>();
    for (JsonNode m : n.path("data")) {
      List<String> aliases = new ArrayList<>();
      m.path("aliases").forEach(a -> aliases.add(a.asText()));
      JsonNode meta = m.path("meta");
      out.add(
          new ModelInfo(
              m.path("id").asText(""),
              aliases,
              m.path("owned_by").asText(""),
              m.path("created").asLong(),
              meta.path("n_vocab").asInt(),
              meta.path("n_ctx").asInt(),
              meta.path("n_ctx_train").asInt(),
              meta.path("n_embd").asInt(),
              meta.path("n_params").asLong(),
              meta.path("size").asLong()));
    }
    return List.copyOf(out);
  }
}
