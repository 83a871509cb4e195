package io.github.llamaclient;

import java.util.List;
import java.util.Objects;

/**
 * The embedding of one input by llama-server's native {@code POST /embeddings}: one vector when the
 * server pools ({@code --pooling mean}, {@code cls}, {@code last}, ...), one vector per token with
 * {@code --pooling none}. The arrays are shared, not copied: treat them as read-only. Two are equal
 * when index and vector contents are.
 *
 * @param index the position of its input in the request
 * @param vectors the vectors: one when pooled, one per token of the input with pooling {@code none}
 */
public record NativeEmbedding(int index, List<float[]> vectors) {
  /**
   * Checks and copies the list (not the arrays).
   *
   * @param index the index
   * @param vectors the vectors
   */
  public NativeEmbedding {
    vectors = List.copyOf(vectors);
  }

  /**
   * The pooled vector.
   *
   * @return the one vector
   * @throws IllegalStateException if the server did not pool (pooling {@code none}: one vector per
   *     token; use {@link #vectors()})
   */
  public float[] pooled() {
    if (vectors.size() != 1) {
      throw new IllegalStateException(
          "this embedding has " + vectors.size() + " vectors, one per token (the server runs with --pooling none): use vectors()");
    }
    return vectors.get(0);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof NativeEmbedding) || ((NativeEmbedding) o).index != index) {
      return false;
    }
    List<float[]> other = ((NativeEmbedding) o).vectors;
    if (other.size() != vectors.size()) {
      return false;
    }
    for (int i = 0; i < vectors.size(); i++) {
      if (!java.util.Arrays.equals(vectors.get(i), other.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = index;
    for (float[] v : vectors) {
      h = 31 * h + java.util.Arrays.hashCode(v);
    }
    return h;
  }

  @Override
  public String toString() {
    return "NativeEmbedding[index="
        + index
        + ", "
        + vectors.size()
        + (vectors.size() == 1 ? " vector" : " vectors")
        + " of "
        + (vectors.isEmpty() ? 0 : Objects.requireNonNull(vectors.get(0)).length)
        + " dimensions]";
  }
}
