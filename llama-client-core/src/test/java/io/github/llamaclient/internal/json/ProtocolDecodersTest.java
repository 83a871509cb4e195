package io.github.llamaclient.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.FinishReason;
import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.LlamaStreamException;
import io.github.llamaclient.ResponseTooLargeException;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.testing.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The /v1/responses and /v1/messages decoders on what the recordings do not show (reasoning, an
 * error event, an incomplete response, a stream cut before its end, the budget). The events here
 * are written from the protocols' documented shapes (OpenAI Responses streaming events, Anthropic
 * Messages streaming), as llama-server emits them in its recordings.
 */
class ProtocolDecodersTest {

  private static List<ChatEvent> feed(StreamDecoder<ChatResult> d, String... data) {
    List<ChatEvent> out = new ArrayList<>();
    for (String s : data) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      d.decode(b, 0, b.length, out::add);
    }
    return out;
  }

  @Test
  void messagesThinkingBecomesReasoning() {
    MessagesDecoder d = new MessagesDecoder(1 << 20);
    List<ChatEvent> events =
        feed(
            d,
            "{\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"model\":\"x\",\"usage\":{\"input_tokens\":5,\"output_tokens\":0}}}",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"s\"}}",
            "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"yes\"}}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}",
            "{\"type\":\"message_stop\"}");
    assertThat(events).containsExactly(new ChatEvent.Reasoning("hmm"), new ChatEvent.Content("yes"));
    ChatResult r = d.finish(true);
    assertThat(r.reasoning()).isEqualTo("hmm");
    assertThat(r.text()).isEqualTo("yes");
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(r.usage().promptTokens()).isEqualTo(5);
    assertThat(r.usage().completionTokens()).isEqualTo(2);
  }

  @Test
  void responsesReasoningAndIncomplete() {
    ResponsesDecoder d = new ResponsesDecoder(1 << 20);
    List<ChatEvent> events =
        feed(
            d,
            "{\"type\":\"response.created\",\"response\":{\"id\":\"r1\",\"status\":\"in_progress\"}}",
            "{\"type\":\"response.reasoning_text.delta\",\"item_id\":\"rs\",\"delta\":\"think\"}",
            "{\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"delta\":\"ok\"}",
            "{\"type\":\"response.incomplete\",\"response\":{\"id\":\"r1\",\"status\":\"incomplete\","
                + "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"usage\":{\"input_tokens\":3,\"output_tokens\":2,\"total_tokens\":5}}}");
    assertThat(events).containsExactly(new ChatEvent.Reasoning("think"), new ChatEvent.Content("ok"));
    ChatResult r = d.finish(true);
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.id()).isEqualTo("r1");
    assertThat(r.usage().totalTokens()).isEqualTo(5);
  }

  @Test
  void errorEventsAreStreamExceptionsWithTheTextSoFar() {
    MessagesDecoder m = new MessagesDecoder(1 << 20);
    feed(m, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"par\"}}");
    assertThatThrownBy(() -> feed(m, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}"))
        .isInstanceOfSatisfying(
            LlamaStreamException.class,
            e -> {
              assertThat(e.getMessage()).contains("busy");
              assertThat(e.partialText()).isEqualTo("par");
            });
    ResponsesDecoder r = new ResponsesDecoder(1 << 20);
    assertThatThrownBy(() -> feed(r, "{\"error\":{\"code\":500,\"message\":\"Invalid diff\",\"type\":\"server_error\"}}"))
        .isInstanceOf(LlamaStreamException.class)
        .hasMessageContaining("Invalid diff");
    assertThatThrownBy(() -> feed(new ResponsesDecoder(1 << 20), "{\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}}"))
        .isInstanceOf(LlamaStreamException.class)
        .hasMessageContaining("boom");
    assertThatThrownBy(() -> feed(new ResponsesDecoder(1 << 20), "{\"no\":\"type\"}")).isInstanceOf(LlamaProtocolException.class);
    assertThatThrownBy(() -> feed(new ResponsesDecoder(1 << 20), "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"x\",\"delta\":\"{\"}"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageContaining("did not start");
  }

  @Test
  void aRecordingCutBeforeItsLastEventIsInterrupted() {
    for (String scenario : List.of("responses-stream", "messages-stream")) {
      StreamDecoder<ChatResult> d = scenario.startsWith("responses") ? new ResponsesDecoder(1 << 20) : new MessagesDecoder(1 << 20);
      List<String> data = Transcript.load(scenario).dataLines();
      feed(d, data.subList(0, data.size() - 1).toArray(String[]::new));
      assertThatThrownBy(() -> d.finish(false))
          .as(scenario)
          .isInstanceOfSatisfying(StreamInterruptedException.class, e -> assertThat(e.partialText()).isNotEmpty());
    }
  }

  @Test
  void theBudgetBoundsWhatAccumulates() {
    MessagesDecoder d = new MessagesDecoder(4);
    assertThatThrownBy(() -> feed(d, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"toolong\"}}"))
        .isInstanceOf(ResponseTooLargeException.class);
  }
}
