package io.github.llamaclient.examples.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aLongPieceIsSplitBetweenCodePointsAndEveryPayloadFits() throws Exception {
    String piece = "naïve café 😀 \"quoted\"\n".repeat(40);
    ChunkWriter w = new ChunkWriter(128);
    List<byte[]> chunks = w.chunks(piece);
    assertThat(chunks.size()).isGreaterThan(5);
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(chunks.get(i).length).isLessThanOrEqualTo(128);
      JsonNode n = JSON.readTree(chunks.get(i));
      assertThat(n.get("type").asText()).isEqualTo("chunk");
      assertThat(n.get("seq").asInt()).isEqualTo(i);
      String content = n.get("content").asText();
      assertThat(content).isNotEmpty();
      assertThat(Character.isLowSurrogate(content.charAt(0))).isFalse();
      joined.append(content);
    }
    assertThat(joined.toString()).isEqualTo(piece);
    assertThat(w.nextSeq()).isEqualTo(chunks.size());
  }

  @Test
  void tooSmallAMaximumIsRefused() {
    assertThatThrownBy(() -> new ChunkWriter(40)).hasMessageContaining("at least 128");
  }
}
