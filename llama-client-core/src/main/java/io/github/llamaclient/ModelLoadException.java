package io.github.llamaclient;

import org.jspecify.annotations.Nullable;

/**
 * A router-mode llama-server could not start a model: its process ended ({@link
 * ModelsApi#awaitLoaded}). The message names the model and the exit code; the router's own log
 * says why (a file that is not a GGUF, too little memory, a bad preset).
 */
public final class ModelLoadException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final @Nullable Integer exitCode;

  /**
   * Creates the exception.
   *
   * @param model the model's name
   * @param exitCode the exit code of its process, or null if the router did not say
   * @param server the server, as messages show it
   */
  public ModelLoadException(String model, @Nullable Integer exitCode, String server) {
    super(
        "llama-server at "
            + server
            + " could not start model '"
            + model
            + "'"
            + (exitCode == null ? "" : ": its process exited with code " + exitCode)
            + "; the router's log says why");
    this.model = model;
    this.exitCode = exitCode;
  }

  /**
   * The model that could not start.
   *
   * @return its name
   */
  public String model() {
    return model;
  }

  /**
   * The exit code of its process.
   *
   * @return the code, or null if the router did not say
   */
  public @Nullable Integer exitCode() {
    return exitCode;
  }
}
