package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * A real llama-server in router mode ({@code .ci/live-server.sh --router}: models {@code alpha} and
 * {@code beta}, the tiny model twice, {@code --models-max 1}; {@code .ci/live-check.sh} sets {@code
 * LLAMA_LIVE_ROUTER_URL}): list, load, wait, route by model, unload.
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_ROUTER_URL", matches = "http://.+")
@Timeout(120)
class LiveRouterTest {

  @Test
  void modelsLoadRouteByNameAndUnload() {
    try (LlamaClient client = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_ROUTER_URL")).build()) {
      assertThat(client.models().list()).extracting(RouterModel::id).contains("alpha", "beta");
      // tag::router[]
      client.models().load("alpha");
      RouterModel alpha = client.models().awaitLoaded("alpha", Duration.ofMinutes(2));
      ChatResult reply = client.chat().call(ChatRequest.builder().model("alpha").user("Hi").maxTokens(8).build());
      // end::router[]
      assertThat(alpha.status()).isEqualTo(RouterModel.Status.LOADED);
      assertThat(reply.model()).isEqualTo("alpha");
      // a request for beta makes the router start it, and (--models-max 1) stop alpha
      ChatResult beta = client.chat().call(ChatRequest.builder().model("beta").user("Hi").maxTokens(8).build());
      assertThat(beta.model()).isEqualTo("beta");
      List<RouterModel> after = client.models().list();
      assertThat(after).filteredOn(m -> m.id().equals("beta")).singleElement().extracting(RouterModel::status).isEqualTo(RouterModel.Status.LOADED);
      assertThat(after).filteredOn(m -> m.id().equals("alpha")).singleElement().extracting(RouterModel::status).isNotEqualTo(RouterModel.Status.LOADED);
      client.models().unload("beta");
      assertThatThrownBy(() -> client.models().unload("alpha"))
          .isInstanceOfSatisfying(LlamaHttpException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
      assertThatThrownBy(() -> client.chat().call(ChatRequest.builder().model("nope").user("Hi").build()))
          .isInstanceOf(LlamaHttpException.class)
          .hasMessageContaining("nope");
    }
  }
}
