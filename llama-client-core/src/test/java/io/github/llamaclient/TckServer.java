package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A MockWebServer for the Reactive Streams TCK: it answers a chat request whose {@code max_tokens}
 * is N with N content events taken in order (cycling) from chat-stream-basic's recorded events,
 * then the recording's finish event and {@code [DONE]}; requests under {@code /fail} get the
 * auth-missing-key recording.
 */
final class TckServer implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  final MockWebServer server = new MockWebServer();
  private final String first;
  private final List<String> contents = new ArrayList<>();
  private final String finish;
  private final Transcript failure = Transcript.load("auth-missing-key");

  TckServer() {
    Transcript t = Transcript.load("chat-stream-basic");
    List<String> events = new ArrayList<>();
    for (String e : t.bodyText().split("\n\n")) {
      if (!e.isEmpty()) {
        events.add(e + "\n\n");
      }
    }
    first = events.get(0); // role only, no content
    finish = events.get(events.size() - 2);
    contents.addAll(events.subList(1, events.size() - 2));
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getTarget().startsWith("/fail")) {
              return failure.response();
            }
            try {
              JsonNode body = MAPPER.readTree(request.getBody().utf8());
              return events(body.get("max_tokens").asInt());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        });
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private MockResponse events(int n) {
    StringBuilder sb = new StringBuilder(first);
    for (int i = 0; i < n; i++) {
      sb.append(contents.get(i % contents.size()));
    }
    sb.append(finish).append("data: [DONE]\n\n");
    return new MockResponse.Builder()
        .addHeader("Content-Type", "text/event-stream")
        .chunkedBody(sb.toString(), 512)
        .build();
  }

  /** A request for which the server streams exactly n content events. */
  static ChatRequest request(long n) {
    return ChatRequest.builder().user("Tell me about AI.").maxTokens((int) n).build();
  }

  @Override
  public void close() {
    server.close();
  }
}
