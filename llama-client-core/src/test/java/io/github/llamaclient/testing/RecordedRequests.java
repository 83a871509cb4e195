package io.github.llamaclient.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ContentPart;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ToolCall;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Rebuilds the {@link ChatRequest} that produces a recorded request body, through the public builder. */
public final class RecordedRequests {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RecordedRequests() {}

  /** OpenAI-style content parts, as the client writes them. */
  public static List<ContentPart> parts(JsonNode content) {
    List<ContentPart> parts = new ArrayList<>();
    for (JsonNode p : content) {
      switch (p.get("type").asText()) {
        case "text" -> parts.add(ContentPart.text(p.get("text").asText()));
        case "image_url" -> parts.add(ContentPart.imageUrl(java.net.URI.create(p.get("image_url").get("url").asText())));
        case "input_audio" ->
            parts.add(new ContentPart.Audio(p.get("input_audio").get("data").asText(), p.get("input_audio").get("format").asText()));
        default -> throw new IllegalArgumentException("unknown part " + p);
      }
    }
    return parts;
  }

  public static ChatRequest chat(JsonNode body) {
    ChatRequest.Builder b = ChatRequest.builder();
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : body.get("messages")) {
      List<ToolCall> calls = new ArrayList<>();
      for (JsonNode c : m.path("tool_calls")) {
        calls.add(
            new ToolCall(
                c.get("id").asText(),
                c.get("function").get("name").asText(),
                c.get("function").get("arguments").asText()));
      }
      JsonNode content = m.get("content");
      ChatMessage.Builder mb = ChatMessage.builder(m.get("role").asText());
      if (content != null && content.isArray()) {
        mb.parts(parts(content));
      } else {
        mb.content(content == null || content.isNull() ? null : content.asText());
      }
      messages.add(
          mb
              .reasoning(m.hasNonNull("reasoning_content") ? m.get("reasoning_content").asText() : null)
              .toolCalls(calls)
              .toolCallId(m.hasNonNull("tool_call_id") ? m.get("tool_call_id").asText() : null)
              .build());
    }
    b.messages(messages);
    Iterator<Map.Entry<String, JsonNode>> fields = body.properties().iterator();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "messages":
        case "stream":
          break;
        case "stream_options":
          b.includeUsage(v.path("include_usage").asBoolean());
          break;
        case "max_tokens":
          b.maxTokens(v.asInt());
          break;
        case "model":
          b.model(v.asText());
          break;
        case "temperature":
          b.temperature(v.asDouble());
          break;
        case "top_p":
          b.topP(v.asDouble());
          break;
        case "seed":
          b.seed(v.asLong());
          break;
        case "stop":
          List<String> stop = new ArrayList<>();
          v.forEach(s -> stop.add(s.asText()));
          b.stop(stop);
          break;
        case "cache_prompt":
          b.cachePrompt(v.asBoolean());
          break;
        case "id_slot":
          b.idSlot(v.asInt());
          break;
        case "return_progress":
          b.returnProgress(v.asBoolean());
          break;
        case "timings_per_token":
          b.timingsPerToken(v.asBoolean());
          break;
        default:
          b.parameter(e.getKey(), MAPPER.convertValue(v, Object.class));
      }
    }
    return b.build();
  }
}
