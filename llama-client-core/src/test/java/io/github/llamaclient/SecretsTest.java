package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.RawServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Secrets stay secret: the API key and the credentials of the base URL are checked when set
 * (visible ASCII only, one typed error that never quotes them), the URL's credentials go out as
 * {@code Authorization: Basic} and nowhere else, and whatever a server sends back is quoted with
 * {@code ***} in place of a secret it echoes, in every exception and in the wire trace.
 */
@Timeout(60)
class SecretsTest {
  private static final ChatRequest HI = ChatRequest.builder().user("hi").maxTokens(8).build();
  /** No '-': Jackson quotes an unrecognized token up to the first character that is not a letter or digit. */
  private static final String KEY = "skEchoToken4242abcdefXYZ";

  private RawServer server;
  private LlamaClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  // ------------------------------------------------------------------ checked when set

  @ParameterizedTest
  @ValueSource(
      strings = {
        "clé-secret", // non-ASCII: sent as UTF-8 by one transport and as '?' by the other
        "sk secret",
        "sk\tsecret",
        "sk\rsecret",
        "sk\nsecret",
        "sk\u2028secret",
        "sk\u0085secret",
        "sk\u00a0secret",
        "sk\u007fsecret"
      })
  void apiKeyMustBeVisibleAscii(String key) {
    int position = 1; // of the bad character, counted from 1
    while (key.charAt(position - 1) > 0x20 && key.charAt(position - 1) < 0x7f) {
      position++;
    }
    assertThatThrownBy(() -> LlamaClient.builder().apiKey(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKey must be visible ASCII characters only (0x21 to 0x7E)")
        .hasMessageContaining("character " + position + " of " + key.length() + " is a")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
  }

  @Test
  void emptyApiKeyIsRefused() {
    assertThatThrownBy(() -> LlamaClient.builder().apiKey(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("apiKey must not be empty");
  }

  @Test
  void fromEnvChecksTheKeyAndNamesTheVariable() {
    assertThatThrownBy(() -> LlamaClient.builderFromEnv(Map.of("LLAMA_API_KEY", "sk\u2028secret")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LLAMA_API_KEY")
        .hasMessageContaining("character 3 of 9 is a Unicode line separator")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
  }

  @Test
  void credentialsInTheBaseUrlMustBeVisibleAscii() {
    assertThatThrownBy(() -> LlamaClient.builder().baseUrl("http://user:p%C3%A4hunter@127.0.0.1:8080"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the password in baseUrl must be visible ASCII")
        .hasMessageContaining("character 2 of 8 is a non-ASCII character")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter", "user"));
    assertThatThrownBy(() -> LlamaClient.builder().baseUrl("http://us%20er:password@127.0.0.1:8080"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the user name in baseUrl must be visible ASCII")
        .hasMessageContaining("character 3 of 5 is a space")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("password"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://user:hunter2@host:8080",
        "http://user:hunter2@host:8080/?q=1",
        "http://user:hunter2@bad host:8080",
        "http://user:hunter2@:8080"
      })
  void badBaseUrlMessagesNeverShowItsCredentials(String url) {
    assertThatThrownBy(() -> LlamaClient.builder().baseUrl(url))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(messages(e)).doesNotContain("hunter2").contains("***@"));
  }

  // ------------------------------------------------------------------ credentials in the base URL

  /** A reply with one piece of text, on a connection the server then closes. */
  private static void reply(RawServer.Connection c) throws Exception {
    c.sseHeaders();
    c.chunk(RawServer.contentEvent("Hello"));
    c.chunk(RawServer.finishEvent());
    c.chunk("data: [DONE]\n\n");
    c.endChunks();
    c.close();
  }

  private static URI withCredentials(URI url) {
    return URI.create("http://proxy-user:pa%24%24word@" + url.getAuthority());
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void credentialsInTheBaseUrlAreSentAsBasicAndShownNowhere(Transports transport) throws Exception {
    server = RawServer.start(SecretsTest::reply);
    List<String> traced = new CopyOnWriteArrayList<>();
    client = transport.builder(withCredentials(server.url())).wireListener(new Recorder(traced)).build();
    assertThat(Faces.STREAM.run(client, HI).text()).isEqualTo("Hello");
    RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(5));
    String token = Base64.getEncoder().encodeToString("proxy-user:pa$$word".getBytes(StandardCharsets.US_ASCII));
    assertThat(c.headers()).containsEntry("authorization", "Basic " + token);
    assertThat(c.requestLine() + c.headers()).doesNotContain("pa$$word", "pa%24%24word", "proxy-user:");
    for (String shown : List.of(client.toString(), client.baseUrl().toString(), String.join("\n", traced))) {
      assertThat(shown).doesNotContain("pa$$word", "pa%24%24word", "proxy-user", token);
    }
    assertThat(client.baseUrl()).isEqualTo(server.url());
    assertThat(client.toString()).contains("basic auth=***");
    assertThat(String.join("\n", traced)).contains("Basic ***");
  }

  @Test
  void smallEndpointsSendTheBaseUrlCredentialsToo() throws Exception {
    server =
        RawServer.start(
            c -> {
              c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{\"total_slots\":3}");
              c.close();
            });
    client = LlamaClient.builder().baseUrl(withCredentials(server.url())).build();
    assertThat(client.server().props().totalSlots()).isEqualTo(3);
    RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(5));
    assertThat(c.headers().get("authorization")).startsWith("Basic ");
    assertThat(c.requestLine()).isEqualTo("GET /props HTTP/1.1");
  }

  // ------------------------------------------------------------------ redacted from what the server sends back

  private static String error401(String message) {
    return "{\"error\":{\"code\":401,\"message\":\"" + message + "\",\"type\":\"authentication_error\"}}";
  }

  private static RawServer.Handler answering(String head, String body) {
    return c -> {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      c.write(head + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n" + body);
      c.close();
    };
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void keyEchoedInAnHttpErrorIsRedacted(Faces face, Transports transport) throws Exception {
    // the message echoes the key, the raw body has it JSON-escaped too (the key has a '/')
    String key = "sk/" + KEY;
    String escaped = key.replace("/", "\\/");
    server = RawServer.start(answering("HTTP/1.1 401 Unauthorized", error401("Invalid API Key: Bearer " + escaped)));
    client = transport.builder(server.url()).apiKey(key).build();
    Faces.Outcome o = face.run(client, HI);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaHttpException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(401);
              assertThat(e.getMessage()).contains("Invalid API Key: Bearer ***");
              assertThat(e.serverMessage()).isEqualTo("Invalid API Key: Bearer ***");
              assertNoPartOf(key, e.getMessage(), e.serverMessage(), e.body());
              assertNoPartOf(escaped, e.body());
            });
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void basicCredentialsEchoedInAnHttpErrorAreRedacted(Transports transport) throws Exception {
    String token = Base64.getEncoder().encodeToString("proxy-user:pa$$word".getBytes(StandardCharsets.US_ASCII));
    server =
        RawServer.start(
            answering("HTTP/1.1 401 Unauthorized", error401("Authorization: Basic " + token + " (pa$$word) refused")));
    client = transport.builder(withCredentials(server.url())).build();
    Faces.Outcome o = Faces.STREAM.run(client, HI);
    assertThat(o.failure()).isInstanceOf(LlamaHttpException.class);
    assertThat(messages(o.failure())).contains("Authorization: Basic *** (***) refused");
    assertNoPartOf(token, messages(o.failure()), ((LlamaHttpException) o.failure()).body());
    assertThat(messages(o.failure()) + ((LlamaHttpException) o.failure()).body()).doesNotContain("pa$$word");
  }

  @Test
  void keyEchoedInASmallEndpointErrorIsRedacted() {
    server = RawServer.start(answering("HTTP/1.1 401 Unauthorized", error401("got Bearer " + KEY)));
    client = LlamaClient.builder().baseUrl(server.url()).apiKey(KEY).build();
    assertThatThrownBy(client.server()::props)
        .isInstanceOf(LlamaHttpException.class)
        .satisfies(e -> assertNoPartOf(KEY, messages(e), ((LlamaHttpException) e).body()))
        .hasMessageContaining("got Bearer ***");
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void keyEchoedInAnErrorEventIsRedacted(Faces face, Transports transport) throws Exception {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("Hi"));
              c.chunk("data: {\"error\":{\"code\":500,\"message\":\"upstream said Bearer " + KEY + "\",\"type\":\"server_error\"}}\n\n");
              c.endChunks();
              c.close();
            });
    client = transport.builder(server.url()).apiKey(KEY).build();
    Faces.Outcome o = face.run(client, HI);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaStreamException.class,
            e -> {
              assertThat(e.serverMessage()).isEqualTo("upstream said Bearer ***");
              assertThat(e.partialText()).isEqualTo("Hi");
              assertNoPartOf(KEY, messages(e), e.serverMessage());
            });
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void keyInAnOffendingLineIsRedacted(Faces face, Transports transport) throws Exception {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk("data: {\"choices\": " + KEY + "}\n\n"); // not JSON: Jackson quotes the token too
              c.endChunks();
              c.close();
            });
    client = transport.builder(server.url()).apiKey(KEY).build();
    Faces.Outcome o = face.run(client, HI);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.offendingLine()).contains("***");
              assertNoPartOf(KEY, messages(e), e.offendingLine(), String.valueOf(e.getCause()));
            });
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void keyCutInTwoByATruncatedLineIsRedacted(Transports transport) throws Exception {
    // the offending line is quoted up to 200 characters: the key straddles the cut
    String line = "x".repeat(200 - 6 - 10) + KEY;
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk("data: " + line + "\n\n");
              c.endChunks();
              c.close();
            });
    client = transport.builder(server.url()).apiKey(KEY).build();
    Faces.Outcome o = Faces.STREAM.run(client, HI);
    assertThat(o.failure()).isInstanceOf(LlamaProtocolException.class);
    assertNoPartOf(KEY, messages(o.failure()), ((LlamaProtocolException) o.failure()).offendingLine());
  }

  @Test
  void keyInASmallEndpointReplyThatIsNotJsonIsRedacted() {
    server = RawServer.start(answering("HTTP/1.1 200 OK", "{\"total_slots\": " + KEY + "}"));
    client = LlamaClient.builder().baseUrl(server.url()).apiKey(KEY).build();
    assertThatThrownBy(client.server()::props)
        .isInstanceOf(LlamaProtocolException.class)
        .satisfies(e -> assertNoPartOf(KEY, messages(e), ((LlamaProtocolException) e).offendingLine()));
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void keyInATracedLineIsRedacted(Transports transport) throws Exception {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("the key is " + KEY));
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    List<String> traced = new CopyOnWriteArrayList<>();
    client = transport.builder(server.url()).apiKey(KEY).wireListener(new Recorder(traced)).build();
    assertThat(Faces.STREAM.run(client, HI).text()).as("the answer itself is the model's, unchanged").isEqualTo("the key is " + KEY);
    assertThat(String.join("\n", traced)).contains("the key is ***");
    assertNoPartOf(KEY, String.join("\n", traced));
  }

  // ------------------------------------------------------------------ helpers

  /** Every message of a throwable and its causes, as {@code printStackTrace} would show them. */
  private static String messages(Throwable t) {
    List<String> out = new ArrayList<>();
    for (Throwable c = t; c != null; c = c.getCause()) {
      out.add(c.toString());
    }
    return String.join("\n", out);
  }

  /** No run of 6 characters of the secret is in any of the texts (a cut-off key leaks too). */
  private static void assertNoPartOf(String secret, String... texts) {
    for (String text : texts) {
      for (int i = 0; i + 6 <= secret.length(); i++) {
        assertThat(text).as("part of the secret in: %s", text).doesNotContain(secret.substring(i, i + 6));
      }
    }
  }

  /** Records every traced request header and line. */
  private static final class Recorder implements WireListener {
    private final List<String> out;

    Recorder(List<String> out) {
      this.out = out;
    }

    @Override
    public void onRequest(String method, URI uri, Map<String, List<String>> headers, String body) {
      out.add(method + " " + uri + " " + headers);
    }

    @Override
    public void onLine(URI uri, String line, Duration sinceStart) {
      out.add(uri + " " + line);
    }

    @Override
    public void onEnd(URI uri, Duration sinceStart, Throwable failure) {
      out.add(uri + " " + failure);
    }
  }
}
