package io.github.llamaclient;

import java.util.List;
import java.util.Objects;

/**
 * One model as {@code GET /v1/models} lists it ({@code data[]}).
 *
 * @param id the model's alias or file name
 * @param aliases other names, possibly empty
 * @param ownedBy {@code owned_by}, {@code llamacpp}
 * @param created {@code created}, Unix seconds
 * @param vocabSize {@code meta.n_vocab}, 0 if not reported
 * @param contextSize {@code meta.n_ctx}, 0 if not reported
 * @param trainedContextSize {@code meta.n_ctx_train}, 0 if not reported
 * @param embeddingSize {@code meta.n_embd}, 0 if not reported
 * @param parameters {@code meta.n_params}, 0 if not reported
 * @param sizeBytes {@code meta.size}, 0 if not reported
 */
public record ModelInfo(
    String id,
    List<String> aliases,
    String ownedBy,
    long created,
    int vocabSize,
    int contextSize,
    int trainedContextSize,
    int embeddingSize,
    long parameters,
    long sizeBytes) {
  /**
   * Checks the components and copies the list.
   *
   * @param id the id
   * @param aliases the aliases
   * @param ownedBy the owner
   * @param created the creation time
   * @param vocabSize the vocabulary size
   * @param contextSize the context size
   * @param trainedContextSize the training context size
   * @param embeddingSize the embedding size
   * @param parameters the parameter count
   * @param sizeBytes the size
   */
  public ModelInfo {
    Objects.requireNonNull(id, "id");
    aliases = List.copyOf(aliases);
    Objects.requireNonNull(ownedBy, "ownedBy");
  }
}
