package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Embeddings and reranking ({@code POST /v1/embeddings}, native {@code POST /embeddings}, {@code
 * POST /v1/rerank}). Each needs a
 * model of its kind and a server started for it ({@code --embeddings}, {@code --reranking}), else
 * {@link NotSupportedException}. Blocking; interrupting the thread cancels the call. Thread-safe.
 * Get it from {@link LlamaClient#embeddings()}.
 */
public final class EmbeddingsApi {
  private final ClientContext context;

  EmbeddingsApi(ClientContext context) {
    this.context = context;
  }

  /**
   * Embeds texts (pooling {@code none} on the server gives 400).
   *
   * @param inputs the texts, at least one
   * @return one embedding per input, ordered by index
   * @throws NullPointerException if {@code inputs} is null or holds null
   * @throws IllegalArgumentException if {@code inputs} is empty
   * @throws LlamaException on failure
   */
  public List<Embedding> embed(List<String> inputs) {
    Objects.requireNonNull(inputs, "inputs");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("embeddings needs at least one input");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("input", List.copyOf(inputs));
    body.put("encoding_format", "float");
    return JsonCall.json(context, context.post("/v1/embeddings", Json.bytes(body), false), EmbeddingsApi::embeddings);
  }

  /**
   * Embeds texts with llama-server's native {@code POST /embeddings}, which unlike {@link
   * #embed(List)} also answers a server started with {@code --pooling none}: then each input gets
   * one vector per token ({@link NativeEmbedding#vectors()}); otherwise one ({@link
   * NativeEmbedding#pooled()}). The server's default normalisation applies (Euclidean).
   *
   * @param inputs the texts, at least one (one is sent as a string, several as an array)
   * @return one embedding per input, ordered by index
   * @throws NullPointerException if {@code inputs} is null or holds null
   * @throws IllegalArgumentException if {@code inputs} is empty
   * @throws LlamaException on failure ({@link NotSupportedException} without {@code --embeddings})
   */
  public List<NativeEmbedding> embedNative(List<String> inputs) {
    return nativeCall(inputs, null);
  }

  /**
   * Embeds texts with native {@code POST /embeddings}, normalised as asked ({@code embd_normalize}).
   *
   * @param inputs the texts, at least one
   * @param normalization how the server normalises the vectors
   * @return one embedding per input, ordered by index
   * @throws NullPointerException if an argument is null, or {@code inputs} holds null
   * @throws IllegalArgumentException if {@code inputs} is empty
   * @throws LlamaException on failure ({@link NotSupportedException} without {@code --embeddings})
   */
  public List<NativeEmbedding> embedNative(List<String> inputs, EmbeddingNormalization normalization) {
    return nativeCall(inputs, Objects.requireNonNull(normalization, "normalization"));
  }

  private List<NativeEmbedding> nativeCall(List<String> inputs, @Nullable EmbeddingNormalization normalization) {
    Objects.requireNonNull(inputs, "inputs");
    List<String> copy = List.copyOf(inputs);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("embeddings needs at least one input");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("content", copy.size() == 1 ? copy.get(0) : copy);
    if (normalization != null) {
      body.put("embd_normalize", normalization.wire());
    }
    return JsonCall.json(context, context.post("/embeddings", Json.bytes(body), false), EmbeddingsApi::nativeEmbeddings);
  }

  private static List<NativeEmbedding> nativeEmbeddings(JsonNode n) {
    if (!n.isArray()) {
      throw new IllegalStateException("expected an array of embeddings");
    }
    List<NativeEmbedding> out = new ArrayList<>();
    for (JsonNode d : n) {
      JsonNode e = d.get("embedding");
      List<float[]> vectors = new ArrayList<>();
      if (e.size() > 0 && e.get(0).isNumber()) {
        vectors.add(floats(e)); // a server that sends one flat vector
      } else {
        for (JsonNode v : e) {
          vectors.add(floats(v));
        }
      }
      out.add(new NativeEmbedding(d.path("index").asInt(out.size()), vectors));
    }
    out.sort(Comparator.comparingInt(NativeEmbedding::index));
    return List.copyOf(out);
  }

  private static float[] floats(JsonNode v) {
    float[] vector = new float[v.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = (float) v.get(i).asDouble();
    }
    return vector;
  }

  private static List<Embedding> embeddings(JsonNode n) {
    List<Embedding> out = new ArrayList<>();
    for (JsonNode d : n.get("data")) {
      out.add(new Embedding(d.path("index").asInt(out.size()), floats(d.get("embedding"))));
    }
    out.sort(Comparator.comparingInt(Embedding::index));
    return List.copyOf(out);
  }

  /**
   * Scores documents against a query.
   *
   * @param query the query
   * @param documents the documents, at least one
   * @param topN how many best results to return; 0 or less for all
   * @return the results, most relevant first, as the server sorts them
   * @throws NullPointerException if {@code query} or {@code documents} is null
   * @throws IllegalArgumentException if {@code documents} is empty
   * @throws LlamaException on failure
   */
  public List<RerankResult> rerank(String query, List<String> documents, int topN) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(documents, "documents");
    if (documents.isEmpty()) {
      throw new IllegalArgumentException("rerank needs at least one document");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("query", query);
    body.put("documents", List.copyOf(documents));
    if (topN > 0) {
      body.put("top_n", topN);
    }
    return JsonCall.json(
        context,
        context.post("/v1/rerank", Json.bytes(body), false),
        n -> {
          List<RerankResult> out = new ArrayList<>();
          for (JsonNode r : n.get("results")) {
            out.add(new RerankResult(r.get("index").asInt(), r.get("relevance_score").asDouble()));
          }
          return List.copyOf(out);
        });
  }
}
