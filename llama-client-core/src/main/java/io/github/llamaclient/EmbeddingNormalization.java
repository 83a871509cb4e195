package io.github.llamaclient;

/**
 * How native {@code POST /embeddings} normalises its vectors ({@code embd_normalize}). Not sending
 * one leaves the server's default, {@link #EUCLIDEAN}. (llama-server also takes a p-norm for any p
 * above 2; it has no constant here.)
 */
public enum EmbeddingNormalization {
  /** No normalisation ({@code -1}): the raw vectors. */
  NONE(-1),
  /** Scaled so the largest absolute value is 32760, as int16 ({@code 0}). */
  MAX_ABSOLUTE_INT16(0),
  /** Taxicab, L1 ({@code 1}). */
  TAXICAB(1),
  /** Euclidean, L2 ({@code 2}): unit vectors; the server's default. */
  EUCLIDEAN(2);

  private final int wire;

  EmbeddingNormalization(int wire) {
    this.wire = wire;
  }

  /**
   * The value of {@code embd_normalize}.
   *
   * @return -1, 0, 1 or 2
   */
  public int wire() {
    return wire;
  }
}
