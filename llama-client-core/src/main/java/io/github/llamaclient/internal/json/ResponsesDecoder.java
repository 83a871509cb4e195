package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Decodes OpenAI Responses streams ({@code POST /v1/responses}): {@code event:} lines name the
 * events and every data object repeats the name as {@code type}; no {@code [DONE]}, the stream ends
 * with {@code response.completed} (or {@code response.incomplete}, {@code response.failed}).
 *
 * <ul>
 *   <li>{@code response.output_text.delta} → {@link ChatEvent.Content};
 *   <li>{@code response.reasoning_text.delta}, {@code response.reasoning_summary_text.delta} →
 *       {@link ChatEvent.Reasoning};
 *   <li>{@code response.output_item.added} of a {@code function_call} → {@link
 *       ChatEvent.ToolCallStarted} (its {@code call_id} and name), then {@code
 *       response.function_call_arguments.delta} → {@link ChatEvent.ToolCallArguments};
 *   <li>{@code response.completed}: the id, model, {@code usage} ({@code input_tokens}, {@code
 *       output_tokens}, {@code input_tokens_details.cached_tokens}) and llama-server's {@code
 *       timings}; the finish reason is {@code tool_calls} if a call was made, {@code length} for
 *       {@code incomplete} with {@code max_output_tokens}, else {@code stop}.
 * </ul>
 *
 * Other events (created, in progress, content part and item bookkeeping, the {@code .done} events
 * that repeat what the deltas said) carry nothing new and are skipped.
 */
public final class ResponsesDecoder extends ProtocolDecoder {

  /**
   * Creates a decoder for one stream.
   *
   * @param maxChars the most the result may accumulate
   */
  public ResponsesDecoder(long maxChars) {
    super(maxChars);
  }

  @Override
  String protocol() {
    return "/v1/responses";
  }

  @Override
  boolean event(String type, JsonNode n, Out out) {
    switch (type) {
      case "response.output_text.delta":
        content(n.path("delta").asText(""), out);
        return false;
      case "response.reasoning_text.delta":
      case "response.reasoning_summary_text.delta":
        reasoning(n.path("delta").asText(""), out);
        return false;
      case "response.output_item.added":
        JsonNode item = n.path("item");
        if ("function_call".equals(item.path("type").asText())) {
          toolStarted(item.path("id").asText(""), item.path("call_id").asText(""), item.path("name").asText(""), out);
        }
        return false;
      case "response.function_call_arguments.delta":
        toolArguments(n.path("item_id").asText(""), n.path("delta").asText(""), out);
        return false;
      case "response.created":
      case "response.in_progress":
        response(n.path("response"));
        return false;
      case "response.completed":
      case "response.incomplete":
        response(n.path("response"));
        timings = Replies.timings(n.get("timings"));
        JsonNode r = n.path("response");
        if (hasToolCalls()) {
          finishReason = FinishReason.TOOL_CALLS;
        } else if (type.equals("response.incomplete") || "incomplete".equals(r.path("status").asText())) {
          finishReason =
              "max_output_tokens".equals(r.path("incomplete_details").path("reason").asText())
                  ? FinishReason.LENGTH
                  : FinishReason.OTHER;
        } else {
          finishReason = FinishReason.STOP;
        }
        return true;
      case "response.failed":
        JsonNode error = n.path("response").path("error");
        throw streamError(error.isMissingNode() ? n : error);
      default:
        return false;
    }
  }

  private void response(JsonNode r) {
    if (r.hasNonNull("id")) {
      id = r.get("id").asText();
    }
    if (r.hasNonNull("model")) {
      model = r.get("model").asText();
    }
    JsonNode u = r.get("usage");
    if (u != null && u.isObject()) {
      sawUsage = true;
      promptTokens = u.path("input_tokens").asInt();
      completionTokens = u.path("output_tokens").asInt();
      cachedTokens = u.path("input_tokens_details").path("cached_tokens").asInt();
    }
  }
}
