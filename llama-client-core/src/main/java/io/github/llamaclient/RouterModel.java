package io.github.llamaclient;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One model of a llama-server in router mode ({@code llama-server --models-dir DIR} or {@code
 * --models-preset FILE}, no {@code -m}), as {@code GET /models} lists it ({@link ModelsApi#list()}).
 * The router runs each loaded model in its own process and routes a request to the model its
 * {@code model} field names ({@link ChatRequest.Builder#model(String)}).
 *
 * @param id the model's name, as requests name it
 * @param aliases other names for it
 * @param status whether it is loaded
 * @param failed true when its last start failed ({@code status.failed}); it is then {@link
 *     Status#UNLOADED}, and {@link #exitCode()} says how the process ended
 * @param exitCode the exit code of its last process, or null while none ended
 * @param source where the router found it ({@code models_dir}, {@code preset}, {@code cache}, ...)
 * @param contextLength the context length the router reports for it, 0 if none
 * @param inputModalities what it takes ({@code text}, {@code image}, {@code audio})
 */
public record RouterModel(
    String id,
    List<String> aliases,
    Status status,
    boolean failed,
    @Nullable Integer exitCode,
    String source,
    int contextLength,
    List<String> inputModalities) {

  /** A model's state in the router ({@code status.value}). */
  public enum Status {
    /** Running: requests for it are answered at once. */
    LOADED,
    /** Its process is starting. */
    LOADING,
    /** Not running: a request for it starts it (and may unload another, over {@code --models-max}). */
    UNLOADED,
    /** Running but asleep ({@code --sleep-idle-seconds}): the next request wakes it. */
    SLEEPING,
    /** A state this client does not know (a newer server). */
    UNKNOWN;

    static Status of(String value) {
      switch (value) {
        case "loaded":
          return LOADED;
        case "loading":
          return LOADING;
        case "unloaded":
          return UNLOADED;
        case "sleeping":
          return SLEEPING;
        default:
          return UNKNOWN;
      }
    }
  }

  /**
   * Checks and copies the components.
   *
   * @param id the name
   * @param aliases the aliases
   * @param status the status
   * @param failed whether the last start failed
   * @param exitCode the last exit code, or null
   * @param source where it was found
   * @param contextLength the context length
   * @param inputModalities the input modalities
   */
  public RouterModel {
    Objects.requireNonNull(id, "id");
    aliases = List.copyOf(aliases);
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(source, "source");
    inputModalities = List.copyOf(inputModalities);
  }
}
