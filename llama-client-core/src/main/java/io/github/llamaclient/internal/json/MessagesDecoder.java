package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Decodes Anthropic-style Messages streams ({@code POST /v1/messages}): {@code event:} lines name
 * the events and every data object repeats the name as {@code type}; no {@code [DONE]}, the stream
 * ends with {@code message_stop}; a failure is an {@code error} event.
 *
 * <ul>
 *   <li>{@code message_start}: the id, model and prompt tokens ({@code usage.input_tokens}, plus
 *       {@code cache_read_input_tokens}, which llama-server counts apart);
 *   <li>{@code content_block_delta} with {@code text_delta} → {@link ChatEvent.Content}, {@code
 *       thinking_delta} → {@link ChatEvent.Reasoning}, {@code input_json_delta} → {@link
 *       ChatEvent.ToolCallArguments} of the {@code tool_use} block started before ({@code
 *       content_block_start} → {@link ChatEvent.ToolCallStarted});
 *   <li>{@code message_delta}: {@code stop_reason} ({@code end_turn} and {@code stop_sequence} →
 *       stop, {@code max_tokens} → length, {@code tool_use} → tool calls) and the output tokens.
 * </ul>
 *
 * Messages replies carry no llama-server {@code timings}.
 */
public final class MessagesDecoder extends ProtocolDecoder {

  /**
   * Creates a decoder for one stream.
   *
   * @param maxChars the most the result may accumulate
   */
  public MessagesDecoder(long maxChars) {
    super(maxChars);
  }

  @Override
  String protocol() {
    return "/v1/messages";
  }

  @Override
  boolean event(String type, JsonNode n, Out out) {
    switch (type) {
      case "message_start":
        JsonNode m = n.path("message");
        if (m.hasNonNull("id")) {
          id = m.get("id").asText();
        }
        if (m.hasNonNull("model")) {
          model = m.get("model").asText();
        }
        usage(m.path("usage"));
        return false;
      case "content_block_start":
        JsonNode block = n.path("content_block");
        if ("tool_use".equals(block.path("type").asText())) {
          toolStarted(n.path("index").asText(), block.path("id").asText(""), block.path("name").asText(""), out);
        }
        return false;
      case "content_block_delta":
        JsonNode d = n.path("delta");
        switch (d.path("type").asText()) {
          case "text_delta":
            content(d.path("text").asText(""), out);
            break;
          case "thinking_delta":
            reasoning(d.path("thinking").asText(""), out);
            break;
          case "input_json_delta":
            toolArguments(n.path("index").asText(), d.path("partial_json").asText(""), out);
            break;
          default: // signature_delta and others carry no text
        }
        return false;
      case "message_delta":
        String stop = n.path("delta").path("stop_reason").asText("");
        switch (stop) {
          case "end_turn":
          case "stop_sequence":
            finishReason = FinishReason.STOP;
            break;
          case "max_tokens":
            finishReason = FinishReason.LENGTH;
            break;
          case "tool_use":
            finishReason = FinishReason.TOOL_CALLS;
            break;
          default:
            finishReason = FinishReason.OTHER;
        }
        usage(n.path("usage"));
        return false;
      case "message_stop":
        return true;
      default: // ping, content_block_stop
        return false;
    }
  }

  private void usage(JsonNode u) {
    if (!u.isObject()) {
      return;
    }
    sawUsage = true;
    if (u.has("input_tokens")) {
      cachedTokens = u.path("cache_read_input_tokens").asInt();
      promptTokens = u.get("input_tokens").asInt() + cachedTokens;
    }
    if (u.has("output_tokens")) {
      completionTokens = u.get("output_tokens").asInt();
    }
  }
}
