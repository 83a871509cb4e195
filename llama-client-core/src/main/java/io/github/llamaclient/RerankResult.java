package io.github.llamaclient;

/**
 * One document's score from {@code POST /v1/rerank}.
 *
 * @param index the document's position in the request
 * @param relevanceScore its relevance to the query; higher is more relevant
 */
public record RerankResult(int index, double relevanceScore) {}
