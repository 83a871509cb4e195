package io.github.llamaclient.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory store after crashes: processes killed with SIGKILL in the middle of saves, one
 * after another over the same directory, never make a later save fail; temporary files they leave
 * are removed when a store opens; ids that have no UTF-8 form never share another id's file.
 */
class DirectoryStoreCrashTest {
  private static final int KILLS = 50;
  @TempDir Path dir;

  /**
   * The child: opens the store, says "open", then saves one session again and again, saying "saved
   * N" after each save and "FAILED ..." (then exiting) if a save fails. Saves of a sizeable file
   * with fsync take most of its time, so a kill usually lands inside one.
   */
  public static final class SaveLoop {
    private SaveLoop() {}

    public static void main(String[] args) {
      SessionStore store = SessionStore.inDirectory(Path.of(args[0]));
      System.out.println("open");
      System.out.flush();
      String filler = "lorem ipsum dolor sit amet ".repeat(2000);
      for (int n = 0; ; n++) {
        SessionState s =
            new SessionState("s1", null, List.of(SessionMessage.of(ChatMessage.user(filler + n))), GenerationOptions.none(), null);
        try {
          store.save(s);
        } catch (RuntimeException e) {
          System.out.println("FAILED " + e);
          System.out.flush();
          System.exit(3);
        }
        System.out.println("saved " + n);
        System.out.flush();
      }
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void fiftyKillsDuringSavesLeaveNoFailedSaveAfterwards() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Random random = new Random(42);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < KILLS; i++) {
      Process p =
          new ProcessBuilder(
                  java, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                  SaveLoop.class.getName(), dir.toString())
              .redirectErrorStream(true)
              .start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        int savesBeforeKill = 1 + random.nextInt(6);
        int saves = 0;
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("FAILED")) {
            failures.add("run " + i + ": " + line);
            break;
          }
          if (line.startsWith("saved") && ++saves == savesBeforeKill) {
            p.destroyForcibly(); // SIGKILL: most likely in the middle of the next save
            break;
          }
        }
      } finally {
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
    }
    assertThat(failures).as("saves that failed after an earlier process was killed").isEmpty();

    SessionStore store = SessionStore.inDirectory(dir);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .as("the leftover temporary files are gone once a store opens")
          .containsExactly("s1.json");
    }
    assertThat(store.load("s1")).isPresent(); // the last committed version is whole
    store.save(SessionStoreTest.sample("s1"));
    assertThat(store.load("s1")).contains(SessionStoreTest.sample("s1"));
  }

  @Test
  void temporaryFilesLeftByAKilledProcessAreDeletedWhenAStoreOpens() throws IOException {
    SessionStore first = SessionStore.inDirectory(dir);
    first.save(SessionStoreTest.sample("s1"));
    Files.writeString(dir.resolve(".s1.json.tmp3"), "{\"format\":1,\"id\":\"s1\",\"mess");
    Files.writeString(dir.resolve(".s1.json.tmp12345.tmp"), "{\"format\":1");
    Files.writeString(dir.resolve(".keep-me"), "not ours");

    SessionStore store = SessionStore.inDirectory(dir);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactlyInAnyOrder("s1.json", ".keep-me");
    }
    assertThat(store.load("s1")).contains(SessionStoreTest.sample("s1"));
  }

  @Test
  void aLoneSurrogateIsRefusedAndNeverSharesTheFileOfQuestionMark() {
    SessionStore store = SessionStore.inDirectory(dir);
    store.save(SessionStoreTest.sample("?"));
    for (String id : List.of("\ud800", "a\udc00", "x\ud83e")) {
      assertThatThrownBy(() -> store.load(id))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lone surrogate");
      assertThatThrownBy(() -> store.save(SessionStoreTest.sample(id)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lone surrogate");
    }
    assertThat(store.load("?")).contains(SessionStoreTest.sample("?"));
    assertThat(store.ids()).containsExactly("?");
    // a well-formed pair is fine
    store.save(SessionStoreTest.sample("\ud83e\udd99"));
    assertThat(store.load("\ud83e\udd99")).contains(SessionStoreTest.sample("\ud83e\udd99"));
  }
}
