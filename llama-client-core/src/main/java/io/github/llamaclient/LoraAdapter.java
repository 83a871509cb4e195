package io.github.llamaclient;

import java.util.Objects;

/**
 * A LoRA adapter loaded by llama-server ({@code GET /lora-adapters}), with its global scale.
 *
 * @param id the id to name it by in a {@link LoraScale}
 * @param path the adapter file the server loaded
 * @param scale its global scale now (0 when off)
 * @param taskName the adapter's task name from its metadata ({@code task_name}), empty if none
 * @param promptPrefix the prompt prefix the adapter declares ({@code prompt_prefix}), empty if none
 */
public record LoraAdapter(int id, String path, double scale, String taskName, String promptPrefix) {
  /**
   * Checks the components.
   *
   * @param id the id
   * @param path the path
   * @param scale the scale
   * @param taskName the task name
   * @param promptPrefix the prompt prefix
   */
  public LoraAdapter {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(taskName, "taskName");
    Objects.requireNonNull(promptPrefix, "promptPrefix");
  }

  /**
   * This adapter with another scale, to pass to {@link ServerApi#setLoraAdapters(java.util.List)} or
   * a request's {@code lora}.
   *
   * @param scale the scale
   * @return the scale for this adapter
   * @throws IllegalArgumentException if {@code scale} is not finite
   */
  public LoraScale withScale(double scale) {
    return new LoraScale(id, scale);
  }
}
