package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The models of a llama-server in router mode ({@code llama-server --models-dir DIR}, no {@code
 * -m}): list them with their state, load and unload them ({@link LlamaClient#models()}). Requests
 * reach a model by its name in their {@code model} field ({@link ChatRequest.Builder#model(String)},
 * {@link LlamaClientBuilder#defaultModel(String)}); the router starts an unloaded model for the
 * first request that names it. A server started with {@code -m} has no {@code /models/load}: it
 * answers 404. Blocking calls, on the calling thread; thread-safe.
 */
public final class ModelsApi {
  private final ClientContext context;

  ModelsApi(ClientContext context) {
    this.context = context;
  }

  /**
   * The router's models with their state ({@code GET /models}; public even with an API key).
   *
   * @return the models, in the server's order
   * @throws LlamaException if the server cannot be reached or answers with an error
   */
  public List<RouterModel> list() {
    return JsonCall.json(context, context.get("/models"), ModelsApi::models);
  }

  /**
   * One model of the router.
   *
   * @param model its name
   * @return the model, or empty if the router has none of that name
   * @throws LlamaException if the server cannot be reached or answers with an error
   */
  public Optional<RouterModel> get(String model) {
    Objects.requireNonNull(model, "model");
    return list().stream().filter(m -> m.id().equals(model) || m.aliases().contains(model)).findFirst();
  }

  /**
   * Asks the router to start a model ({@code POST /models/load}). Returns once the router took the
   * request, before the model is up: {@link #awaitLoaded(String, Duration)} waits for it. Over
   * {@code --models-max}, the router unloads the model used least recently.
   *
   * @param model the model's name
   * @throws LlamaHttpException 404 when the server has no such model, or is not in router mode
   * @throws LlamaException if the server cannot be reached
   */
  public void load(String model) {
    call("/models/load", model);
  }

  /**
   * Asks the router to stop a model ({@code POST /models/unload}); its requests in flight end.
   *
   * @param model the model's name
   * @throws LlamaHttpException 400 ("model is not running") when it is not loaded, 404 when the
   *     server is not in router mode
   * @throws LlamaException if the server cannot be reached
   */
  public void unload(String model) {
    call("/models/unload", model);
  }

  /**
   * Waits until a model is loaded, polling {@code GET /models} (every 50 ms at first, then up to
   * every second), on the client's clock.
   *
   * @param model the model's name
   * @param timeout the longest wait
   * @return the model, loaded
   * @throws ModelLoadException if its process ended (the router marks it failed)
   * @throws LlamaTimeoutException.NotReady if it is not loaded within {@code timeout}
   * @throws LlamaException if the router lists no model of that name (the message names it)
   * @throws StreamCancelledException if the thread is interrupted
   */
  public RouterModel awaitLoaded(String model, Duration timeout) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(timeout, "timeout");
    Clock clock = context.clock();
    long deadline = clock.nanoTime() + timeout.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(50);
    String where = context.shown(context.baseUrl());
    while (true) {
      RouterModel m = get(model).orElseThrow(() -> new LlamaException("llama-server at " + where + " has no model '" + model + "'"));
      if (m.status() == RouterModel.Status.LOADED) {
        return m;
      }
      if (m.failed() && m.status() == RouterModel.Status.UNLOADED) {
        throw new ModelLoadException(model, m.exitCode(), where);
      }
      long left = deadline - clock.nanoTime();
      if (left <= 0) {
        throw new LlamaTimeoutException.NotReady(where + " (model '" + model + "')", timeout, m.status().name().toLowerCase(java.util.Locale.ROOT));
      }
      ServerApi.pause(clock, Math.min(pause, left), "model '" + model + "' to load");
      pause = Math.min(pause * 2, TimeUnit.SECONDS.toNanos(1));
    }
  }

  private void call(String path, String model) {
    Objects.requireNonNull(model, "model");
    if (model.isEmpty()) {
      throw new IllegalArgumentException("model must not be empty");
    }
    JsonCall.call(context, context.post(path, Json.bytes(Map.of("model", model)), false, true, null));
  }

  private static List<RouterModel> models(JsonNode n) {
    JsonNode data = n.get("data");
    if (data == null || !data.isArray()) {
      throw new IllegalArgumentException("no \"data\" array");
    }
    List<RouterModel> out = new ArrayList<>(data.size());
    for (JsonNode m : data) {
      JsonNode status = m.path("status");
      out.add(
          new RouterModel(
              m.path("id").asText(),
              strings(m.path("aliases")),
              RouterModel.Status.of(status.path("value").asText("")),
              status.path("failed").asBoolean(false),
              status.hasNonNull("exit_code") ? status.get("exit_code").asInt() : null,
              m.path("source").asText(""),
              m.path("context_length").asInt(0),
              strings(m.path("architecture").path("input_modalities"))));
    }
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode s : array) {
      out.add(s.asText());
    }
    return out;
  }
}
