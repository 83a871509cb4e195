package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Embeddings and reranking ({@code POST /v1/embeddings}, {@code POST /v1/rerank}). Each needs a
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

  private static List<Embedding> embeddings(JsonNode n) {
    List<Embedding> out = new ArrayList<>();
    for (JsonNode d : n.get("data")) {
      JsonNode v = d.get("embedding");
      float[] vector = new float[v.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = (float) v.get(i).asDouble();
      }
      out.add(new Embedding(d.path("index").asInt(out.size()), vector));
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
