package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Results and messages can grow in 0.x: final classes without public constructors, built through
 * builders, with value semantics.
 */
class ResultTypesTest {

  @Test
  void resultsAndMessagesHaveNoPublicConstructorAndAreNotRecords() {
    for (Class<?> c : List.of(ChatResult.class, CompletionResult.class, ChatMessage.class)) {
      assertThat(c.getConstructors()).as(c.getSimpleName()).isEmpty();
      assertThat(c.isRecord()).as(c.getSimpleName()).isFalse();
      assertThat(Modifier.isFinal(c.getModifiers())).as(c.getSimpleName()).isTrue();
    }
  }

  @Test
  void chatResultBuilderDefaultsCopiesAndValueSemantics() {
    ChatResult empty = ChatResult.builder().build();
    assertThat(empty.text()).isEmpty();
    assertThat(empty.reasoning()).isEmpty();
    assertThat(empty.toolCalls()).isEmpty();
    assertThat(empty.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(empty.usage()).isNull();
    assertThat(empty.timings()).isNull();
    assertThat(empty.id()).isEmpty();
    assertThat(empty.model()).isEmpty();
    assertThat(empty.logprobs()).isEmpty();

    List<ToolCall> calls = new ArrayList<>(List.of(new ToolCall("c1", "f", "{}")));
    TokenLogprob token = new TokenLogprob(1, "a", -0.5, List.of(97), List.of());
    ChatResult r =
        ChatResult.builder()
            .text("hi")
            .reasoning("because")
            .toolCalls(calls)
            .finishReason(FinishReason.TOOL_CALLS)
            .usage(new Usage(1, 2, 3, 0))
            .id("chatcmpl-1")
            .model("tiny.gguf")
            .logprobs(List.of(token))
            .build();
    calls.clear();
    assertThat(r.toolCalls()).hasSize(1);
    assertThatThrownBy(() -> r.toolCalls().clear()).isInstanceOf(UnsupportedOperationException.class);
    ChatResult same = r.toBuilder().build();
    assertThat(same).isEqualTo(r).hasSameHashCodeAs(r);
    assertThat(r.toBuilder().text("other").build()).isNotEqualTo(r);
    assertThat(r.toBuilder().logprobs(List.of()).build()).isNotEqualTo(r);
    assertThat(r.toString()).contains("text=hi").contains("finishReason=TOOL_CALLS").contains("logprobs=1 tokens");
    assertThatThrownBy(() -> ChatResult.builder().text(null)).isInstanceOf(NullPointerException.class).hasMessage("text");
    assertThatThrownBy(() -> ChatResult.builder().finishReason(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void completionResultBuilderDefaultsAndValueSemantics() {
    CompletionResult empty = CompletionResult.builder().build();
    assertThat(empty.content()).isEmpty();
    assertThat(empty.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(empty.idSlot()).isEqualTo(-1);
    assertThat(empty.logprobs()).isEmpty();
    CompletionResult r =
        CompletionResult.builder()
            .content("once")
            .finishReason(FinishReason.LENGTH)
            .stopType("limit")
            .tokensPredicted(24)
            .tokensEvaluated(12)
            .tokensCached(35)
            .idSlot(1)
            .truncated(true)
            .stoppingWord("")
            .model("tiny.gguf")
            .build();
    assertThat(r.toBuilder().build()).isEqualTo(r).hasSameHashCodeAs(r);
    assertThat(r.toBuilder().tokensCached(36).build()).isNotEqualTo(r);
    assertThat(r.toString()).contains("stopType=limit").contains("idSlot=1");
  }

  @Test
  void chatMessageBuilderAndFactoriesAgree() {
    assertThat(ChatMessage.user("hi")).isEqualTo(ChatMessage.builder("user").content("hi").build());
    assertThat(ChatMessage.tool("c1", "{}"))
        .isEqualTo(ChatMessage.builder("tool").content("{}").toolCallId("c1").build())
        .hasSameHashCodeAs(ChatMessage.builder("tool").content("{}").toolCallId("c1").build());
    ChatMessage withReasoning = ChatMessage.builder("assistant").content("42").reasoning("thinking").build();
    assertThat(withReasoning.toBuilder().reasoning(null).build()).isEqualTo(ChatMessage.assistant("42"));
    assertThat(withReasoning).isNotEqualTo(ChatMessage.assistant("42"));
    assertThat(withReasoning.toString()).contains("role=assistant").contains("reasoning=thinking");
  }
}
