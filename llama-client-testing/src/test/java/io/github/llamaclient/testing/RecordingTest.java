package io.github.llamaclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RecordingTest {

  static List<String> scenarios() {
    return Transcripts.all();
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void everyTranscriptReadsAndSurvivesARoundTripThroughTheCurrentVersion(String scenario, @TempDir Path dir) {
    Recording r = Transcripts.load(scenario);
    assertThat(r.scenario()).isEqualTo(scenario);
    assertThat(r.segments().stream().mapToInt(Recording.Segment::bytes).sum()).isEqualTo(r.body().length);

    Path file = dir.resolve(scenario + ".json");
    r.save(file);
    Recording back = Recording.load(file);

    assertThat(back.toJson()).contains("\"version\" : " + Recording.VERSION);
    assertThat(back.body()).isEqualTo(r.body());
    assertThat(back.segments()).isEqualTo(r.segments());
    assertThat(back.status()).isEqualTo(r.status());
    assertThat(back.headers()).isEqualTo(r.headers());
    assertThat(back.method()).isEqualTo(r.method());
    assertThat(back.path()).isEqualTo(r.path());
    assertThat(back.requestBody()).isEqualTo(r.requestBody());
    assertThat(back.truncated()).isEqualTo(r.truncated());
  }

  @Test
  void contentJoinsTheDeltasOfAChatStream() {
    Recording r = Transcripts.load("chat-stream-basic");
    assertThat(r.content()).startsWith(" the license").hasSizeGreaterThan(100);
    assertThat(r.events()).last().isEqualTo("[DONE]");
  }

  @Test
  void theSyntheticTranscriptsNegativeSegmentIsClampedToTheBody() {
    Recording r = Transcripts.load("chat-stream-error-mid-stream");
    assertThat(r.segments()).allSatisfy(s -> assertThat(s.bytes()).isNotNegative());
    assertThat(r.segments().stream().mapToInt(Recording.Segment::bytes).sum()).isEqualTo(r.body().length);
  }

  @Test
  void aNewerVersionIsRefusedWithTheVersionInTheMessage() {
    String json = Transcripts.load("health").toJson().replace("\"version\" : 1", "\"version\" : 2");
    assertThatThrownBy(() -> Recording.parse(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version 2");
  }

  @Test
  void binaryBodiesAreKeptAsBase64() {
    Recording r = Transcripts.load("health");
    byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 1};
    Recording bin =
        new Recording("bin", "", "GET", "/x", r.requestHeaders(), Recording.requestBodyNode(""), 200, r.headers(), binary,
            List.of(new Recording.Segment(Duration.ofMillis(1), 4)), null, false);
    assertThat(bin.toJson()).contains("\"body_encoding\" : \"base64\"");
    assertThat(Recording.parse(bin.toJson()).body()).isEqualTo(binary);
  }

  @Test
  void notARecordingIsRefused() {
    assertThatThrownBy(() -> Recording.parse("{\"request\":1}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Recording.parse("nope")).isInstanceOf(IllegalArgumentException.class);
  }
}
