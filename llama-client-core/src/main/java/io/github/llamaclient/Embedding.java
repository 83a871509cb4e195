package io.github.llamaclient;

import java.util.Objects;

/**
 * One embedding vector of {@code POST /v1/embeddings}. The vector array is shared, not copied:
 * treat it as read-only. Two embeddings are equal when index and vector contents are.
 *
 * @param index the position of its input in the request
 * @param vector the vector
 */
public record Embedding(int index, float[] vector) {
  /**
   * Checks the components.
   *
   * @param index the index
   * @param vector the vector
   */
  public Embedding {
    Objects.requireNonNull(vector, "vector");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Embedding && ((Embedding) o).index == index && java.util.Arrays.equals(((Embedding) o).vector, vector);
  }

  @Override
  public int hashCode() {
    return 31 * index + java.util.Arrays.hashCode(vector);
  }

  @Override
  public String toString() {
    return "Embedding[index=" + index + ", " + vector.length + " dimensions]";
  }
}
