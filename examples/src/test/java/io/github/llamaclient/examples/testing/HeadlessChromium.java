package io.github.llamaclient.examples.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Headless Chromium (Debian package {@code chromium}) driven over the DevTools protocol with the
 * JDK's WebSocket client: no Selenium, no driver binary. One page; {@link #navigate} and {@link
 * #evaluate}. Closing kills the browser and deletes its profile.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final Path profile;
  private final HttpClient http = HttpClient.newHttpClient();
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  private HeadlessChromium(Process process, Path profile, URI pageSocket) throws Exception {
    this.process = process;
    this.profile = profile;
    this.socket =
        http.newWebSocketBuilder().buildAsync(pageSocket, new Listener()).get(20, TimeUnit.SECONDS);
  }

  /** The browser binary: {@code chromium} from the Debian package, or {@code CHROMIUM} if set. */
  public static String binary() {
    String env = System.getenv("CHROMIUM");
    if (env != null && !env.isBlank()) {
      return env;
    }
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new IllegalStateException(
        "no Chromium found: run the tests with ./test, which installs it, or install the Debian package"
            + " chromium yourself (apt-get install chromium), or set CHROMIUM to a Chromium binary");
  }

  public static HeadlessChromium start() throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    Process p =
        new ProcessBuilder(
                binary(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      URI browser = devtoolsUrl(p);
      URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
      HttpClient http = HttpClient.newHttpClient();
      URI page = null;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (page == null && System.nanoTime() < end) {
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode t : targets) {
          if ("page".equals(t.path("type").asText())) {
            page = URI.create(t.get("webSocketDebuggerUrl").asText());
          }
        }
        if (page == null) {
          Thread.sleep(100);
        }
      }
      if (page == null) {
        throw new IOException("Chromium opened no page");
      }
      return new HeadlessChromium(p, profile, page);
    } catch (Exception e) {
      p.destroyForcibly();
      deleteTree(profile);
      throw e;
    }
  }

  private static URI devtoolsUrl(Process p) throws IOException {
    BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = err.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            while (err.readLine() != null) {
              // keep the pipe flowing
            }
          } catch (IOException e) {
            // the browser ended
          }
        }, "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        return URI.create(m.group(1));
      }
      seen.append(line).append('\n');
    }
    throw new IOException("Chromium exited without a DevTools address:\n" + seen);
  }

  /** Sends one DevTools command and waits for its result. */
  public JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("params", params);
    socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
    JsonNode reply = f.get(20, TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new IOException(method + " failed: " + reply.get("error"));
    }
    return reply.get("result");
  }

  public void navigate(String url) throws Exception {
    call("Page.navigate", JSON.createObjectNode().put("url", url));
  }

  /** Evaluates a JavaScript expression in the page and returns its value as JSON. */
  public JsonNode evaluate(String expression) throws Exception {
    JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
    if (r.has("exceptionDetails")) {
      throw new IOException("page threw: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** Evaluates {@code expression} until it is true. */
  public void await(String expression, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try {
        if (evaluate(expression).asBoolean(false)) {
          return;
        }
      } catch (IOException e) {
        // the page is still loading
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + expression);
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          JsonNode msg = JSON.readTree(text.toString());
          if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f != null) {
              f.complete(msg);
            }
          }
        } catch (IOException e) {
          // not for us
        }
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }

  @Override
  public void close() {
    try {
      socket.abort();
      List<ProcessHandle> children = process.descendants().toList();
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      children.forEach(ProcessHandle::destroyForcibly);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
