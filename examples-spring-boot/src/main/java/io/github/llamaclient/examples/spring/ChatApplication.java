package io.github.llamaclient.examples.spring;

import io.github.llamaclient.spring.LlamaClientCustomizer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A chat web application in one class: the starter provides the client, the sessions, the SSE and
 * WebSocket endpoints ({@code llama.web.enabled=true} in {@code application.properties}), the rate
 * limits, the meters and the health indicator; {@code static/} holds the page. Run it with {@code
 * LLM_SERVER_URL=http://127.0.0.1:8080 java -jar ...} or from the IDE, then open {@code
 * http://localhost:8081/}.
 */
// tag::application[]
@SpringBootApplication
public class ChatApplication {

  /**
   * Starts the application.
   *
   * @param args Spring Boot's arguments, such as {@code --llama.server-url=http://host:8080}
   */
  public static void main(String[] args) {
    SpringApplication.run(ChatApplication.class, args);
  }

  /**
   * What no property sets: here, every request asks llama-server for its timings per token.
   *
   * @return the customizer of the client's builder
   */
  @Bean
  LlamaClientCustomizer timingsPerToken() {
    return builder -> builder.defaultParameter("timings_per_token", true);
  }
}
// end::application[]
