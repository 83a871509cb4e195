package io.github.llamaclient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scale of one LoRA adapter, by its id in {@link ServerApi#loraAdapters()}: for the whole
 * server ({@link ServerApi#setLoraAdapters(List)}, {@code POST /lora-adapters}) or for one request
 * ({@link ChatRequest.Builder#lora(List)}, {@link CompletionRequest.Builder#lora(List)}, the {@code
 * lora} field). Scale 0 turns an adapter off. llama-server loads adapters at start ({@code --lora
 * FILE}, {@code --lora-scaled FILE SCALE}); it cannot load new ones at run time.
 *
 * @param id the adapter's id, 0 or more
 * @param scale its scale; finite
 */
public record LoraScale(int id, double scale) {
  /**
   * Checks the components.
   *
   * @param id the id
   * @param scale the scale
   * @throws IllegalArgumentException if {@code id} is negative or {@code scale} is not finite
   */
  public LoraScale {
    if (id < 0) {
      throw new IllegalArgumentException("a LoRA adapter id is 0 or more, was " + id);
    }
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("a LoRA scale must be finite, was " + scale);
    }
  }

  /** The wire form of a list: {@code [{"id":..,"scale":..}, ...]}. */
  static List<Map<String, Object>> toWire(List<LoraScale> scales) {
    List<Map<String, Object>> out = new ArrayList<>(scales.size());
    for (LoraScale s : scales) {
      Map<String, Object> m = new LinkedHashMap<>(); // id first, as llama-server documents it
      m.put("id", s.id());
      m.put("scale", s.scale());
      out.add(m);
    }
    return out;
  }
}
