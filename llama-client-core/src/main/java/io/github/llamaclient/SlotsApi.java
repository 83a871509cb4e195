package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * llama-server's slots and their prompt caches: {@code GET /slots}, {@code POST
 * /slots/{id}?action=save|restore|erase}. Save and restore need {@code --slot-save-path} on the
 * server (else {@link NotSupportedException}). Blocking; thread-safe. Get it from {@link
 * LlamaClient#slots()}.
 */
public final class SlotsApi {
  private final ClientContext context;

  SlotsApi(ClientContext context) {
    this.context = context;
  }

  /**
   * The server's slots ({@code GET /slots}; disabled by {@code --no-slots}, then {@link
   * NotSupportedException}).
   *
   * @return one entry per slot
   * @throws LlamaException on failure
   */
  public List<SlotInfo> list() {
    return JsonCall.json(context, context.get("/slots"), SlotsApi::slots);
  }

  private static List<SlotInfo> slots(JsonNode n) {
    List<SlotInfo> out = new ArrayList<>();
    for (JsonNode s : n) {
      JsonNode next = s.path("next_token");
      if (next.isArray()) { // an array of one, although llama-server's README shows an object
        next = next.path(0);
      }
      out.add(
          new SlotInfo(
              s.path("id").asInt(),
              s.path("n_ctx").asInt(),
              s.path("speculative").asBoolean(),
              s.path("is_processing").asBoolean(),
              s.path("id_task").asInt(),
              next.path("has_next_token").asBoolean(),
              next.path("n_remain").asInt(),
              next.path("n_decoded").asInt(),
              s.path("params").toString()));
    }
    return List.copyOf(out);
  }

  /**
   * Saves a slot's prompt cache to a file on the server.
   *
   * @param slotId the slot
   * @param filename a plain file name, kept under the server's slot-save path
   * @return what was saved
   * @throws NullPointerException if {@code filename} is null
   * @throws IllegalArgumentException if {@code slotId} is negative or {@code filename} is not a plain
   *     file name (blank, or with a path)
   * @throws LlamaException on failure
   */
  public SlotSaveResult save(int slotId, String filename) {
    checkSlot(slotId, filename);
    return JsonCall.json(
        context,
        context.post("/slots/" + slotId + "?action=save", Json.bytes(Map.of("filename", filename)), false),
        n ->
            new SlotSaveResult(
                n.path("id_slot").asInt(slotId),
                n.path("filename").asText(filename),
                n.path("n_saved").asInt(),
                n.path("n_written").asLong(),
                n.path("timings").path("save_ms").asDouble(Double.NaN)));
  }

  /**
   * Restores a slot's prompt cache from a file saved before.
   *
   * @param slotId the slot
   * @param filename the file name given to {@link #save(int, String)}
   * @return what was restored
   * @throws NullPointerException if {@code filename} is null
   * @throws IllegalArgumentException if {@code slotId} is negative or {@code filename} is not a plain
   *     file name
   * @throws LlamaException on failure
   */
  public SlotRestoreResult restore(int slotId, String filename) {
    checkSlot(slotId, filename);
    return JsonCall.json(
        context,
        context.post("/slots/" + slotId + "?action=restore", Json.bytes(Map.of("filename", filename)), false),
        n ->
            new SlotRestoreResult(
                n.path("id_slot").asInt(slotId),
                n.path("filename").asText(filename),
                n.path("n_restored").asInt(),
                n.path("n_read").asLong(),
                n.path("timings").path("restore_ms").asDouble(Double.NaN)));
  }

  /**
   * Clears a slot's prompt cache.
   *
   * @param slotId the slot
   * @return how many cached tokens were erased ({@code n_erased})
   * @throws IllegalArgumentException if {@code slotId} is negative
   * @throws LlamaException on failure
   */
  public int erase(int slotId) {
    if (slotId < 0) {
      throw new IllegalArgumentException("slotId must be 0 or more, was " + slotId);
    }
    return JsonCall.json(
        context, context.post("/slots/" + slotId + "?action=erase", new byte[0], false), n -> n.path("n_erased").asInt());
  }

  private static void checkSlot(int slotId, String filename) {
    if (slotId < 0) {
      throw new IllegalArgumentException("slotId must be 0 or more, was " + slotId);
    }
    Objects.requireNonNull(filename, "filename");
    if (filename.isBlank() || filename.contains("/") || filename.contains("\\") || filename.contains("..")) {
      throw new IllegalArgumentException("filename must be a plain file name (no path), was '" + filename + "'");
    }
  }
}
