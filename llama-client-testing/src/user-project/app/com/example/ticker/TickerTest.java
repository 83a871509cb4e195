package com.example.ticker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.LlamaServerStubExtension;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

// tag::extension[]
@ExtendWith(LlamaServerStubExtension.class)
class TickerTest {
  private final Recording recording = Recording.load(Path.of(System.getProperty("ticker.recording")));

  @Test
  void showsTheRecordedAnswerPieceByPiece(LlamaServerStub stub) throws InterruptedException {
    stub.enqueue(StubReply.of(recording));
    StringBuilder screen = new StringBuilder();
    try (LlamaClient client = LlamaClient.builder().baseUrl(stub.url()).build()) {
      assertEquals("complete", new Ticker(client, screen::append).ask("Tell me about AI."));
    }
    assertEquals(recording.content(), screen.toString());
    assertTrue(stub.takeRequest().body().contains("Tell me about AI."));
  }
  // end::extension[]

  // tag::cut[]
  @Test
  void saysSoWhenTheStreamIsCutMidEvent(LlamaServerStub stub) {
    stub.enqueue(StubReply.of(recording).cutAfter(4));
    StringBuilder screen = new StringBuilder();
    String outcome;
    try (LlamaClient client = LlamaClient.builder().baseUrl(stub.url()).build()) {
      outcome = new Ticker(client, screen::append).ask("Tell me about AI.");
    }
    String partial = outcome.substring("interrupted: ".length());
    assertTrue(outcome.startsWith("interrupted: "), outcome);
    assertEquals(partial + " [connection lost]", screen.toString());
    assertNotEquals(recording.content(), partial);
    assertTrue(recording.content().startsWith(partial));
  }
  // end::cut[]
}
