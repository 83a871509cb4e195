package io.github.llamaclient.examples.chat;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LiveStats;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaClientBuilder;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.StreamCancelledException;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jline.terminal.TerminalBuilder;
import org.jspecify.annotations.Nullable;

/**
 * An interactive chat with a llama-server in the terminal: replies stream token by token, a line
 * of statistics follows each reply, a thinking model's reasoning is shown apart (dimmed, or after
 * a {@code (thinking)} mark when colours are off) and can be hidden.
 *
 * <p>On a terminal the input line is read with JLine: it can be edited, the arrow keys recall
 * earlier messages, and a pasted block of several lines is one message (bracketed paste). Without
 * a terminal (piped input) lines are read one by one. The model's text is printed with its control
 * characters escaped ({@link Printable}), so a reply cannot drive the terminal.
 *
 * <p>Before the first prompt a health check tells apart nothing listening, something listening
 * that does not answer ({@code --wait} seconds), and a server loading its model (it waits, with a
 * dot per poll). A 401 says how to give the server's key.
 *
 * <p>Ctrl-C stops the reply being generated (the stream is closed, so the connection closes and
 * llama-server stops) and returns to the prompt; Ctrl-C at the prompt, Ctrl-D or {@code /exit}
 * quits. Commands: {@code /reset}, {@code /save FILE}, {@code /load FILE}, {@code /system TEXT},
 * {@code /help}, {@code /exit}.
 *
 * <p>Run it with {@code java -jar examples/target/llama-chat.jar --help}. Exit codes: 0 after
 * {@code /exit} or end of input, 2 when no server answers or an argument is wrong, 130 after
 * Ctrl-C at the prompt.
 */
public final class TerminalChat {
  static final String PROMPT = "> ";
  static final String STOPPED = "[stopped]";
  private static final String DIM = "\u001b[2m";
  private static final String UNDIM = "\u001b[22m";

  private final LlamaClient client;
  private final LlamaClient probe;
  private final ChatOptions options;
  private final boolean keyGiven;
  private final Conversation conversation;
  private final PrintStream out;
  private final AtomicReference<@Nullable ChatStream> generating = new AtomicReference<>();

  /**
   * @param client the client for the chat
   * @param probe the client for the start-up health check (its timeouts are how long it waits)
   * @param options the options
   * @param keyGiven whether an API key was given (flag or environment), for the 401 message
   * @param out where the replies go
   */
  TerminalChat(LlamaClient client, LlamaClient probe, ChatOptions options, boolean keyGiven, PrintStream out) {
    this.client = client;
    this.probe = probe;
    this.options = options;
    this.keyGiven = keyGiven;
    this.conversation = new Conversation(options.system());
    this.out = out;
  }

  /**
   * Starts the chat on standard input and output.
   *
   * @param args the options; {@code --help} lists them
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    ChatOptions options;
    try {
      options = ChatOptions.parse(Arrays.asList(args), System.console() != null);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      System.exit(2);
      return;
    }
    if (options.help()) {
      out.println(ChatOptions.USAGE);
      return;
    }
    LlamaClient client;
    try {
      client = client(options, System.getenv());
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Map<String, String> env = System.getenv();
    boolean keyGiven = options.apiKey() != null || env.get("LLAMA_API_KEY") != null || env.get("LLM_API_KEY") != null;
    Duration wait = Duration.ofMillis(Math.round(options.waitSeconds() * 1000));
    int code;
    try (client;
        LlamaClient probe = LlamaClient.builder().baseUrl(client.baseUrl()).connectTimeout(wait).responseTimeout(wait).build();
        LineInput input = input(out)) {
      TerminalChat chat = new TerminalChat(client, probe, options, keyGiven, out);
      Interrupts.onInterrupt(chat::interrupt);
      code = chat.run(input, err);
    }
    System.exit(code);
  }

  /** JLine when standard input and output are a terminal, else plain lines from standard input. */
  private static LineInput input(PrintStream out) {
    if (System.console() != null) {
      try {
        return LineInput.jline(TerminalBuilder.builder().system(true).build());
      } catch (IOException | RuntimeException e) {
        // no usable terminal after all: plain lines
      }
    }
    return LineInput.plain(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out);
  }

  /** The client: environment variables first, then the flags. */
  static LlamaClient client(ChatOptions options, Map<String, String> env) {
    // tag::client-from-env[]
    LlamaClientBuilder builder = LlamaClient.builderFromEnv(env); // LLAMA_SERVER_URL, LLAMA_API_KEY, ...
    if (options.url() != null) {
      builder.baseUrl(options.url());
    }
    if (options.apiKey() != null) {
      builder.apiKey(options.apiKey());
    }
    return builder.build();
    // end::client-from-env[]
  }

  /** Ctrl-C: stops the reply being generated, or quits when there is none. */
  void interrupt() {
    ChatStream s = generating.getAndSet(null);
    if (s != null) {
      s.close(); // closing is cancelling: the connection closes, llama-server stops generating
    } else {
      out.println();
      out.println("bye");
      out.flush();
      System.exit(130);
    }
  }

  /**
   * Checks the server, then reads messages until the end of input, {@code /exit} or Ctrl-C at the
   * prompt.
   *
   * @return the exit code: 0, 1 (input failed), 2 (no server answers), 130 (Ctrl-C)
   */
  int run(LineInput in, PrintStream err) {
    try {
      ServerProbe check = new ServerProbe(probe, Duration.ofMillis(500));
      ServerProbe.State state = check.await(out);
      if (state == ServerProbe.State.UNREACHABLE) {
        err.println(ServerProbe.unreachable(client.baseUrl()));
        return 2;
      }
      if (state == ServerProbe.State.NOT_ANSWERING) {
        err.println(check.notAnswering());
        return 2;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
    out.println("Chatting with " + client.baseUrl() + ". /help lists the commands; Ctrl-C stops a reply.");
    while (true) {
      String line;
      try {
        line = in.read(PROMPT);
      } catch (IOException e) {
        err.println("cannot read input: " + e.getMessage());
        return 1;
      } catch (LineInput.Interrupted e) {
        out.println();
        out.println("bye");
        return 130;
      }
      if (line == null) {
        out.println();
        return 0;
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("/") && line.indexOf('\n') < 0) {
        if (!command(line, err)) {
          return 0;
        }
        continue;
      }
      turn(line, err);
    }
  }

  /** Runs a command; false means quit. */
  private boolean command(String line, PrintStream err) {
    int space = line.indexOf(' ');
    String name = space < 0 ? line : line.substring(0, space);
    String arg = space < 0 ? "" : line.substring(space + 1).strip();
    switch (name) {
      case "/exit":
      case "/quit":
        return false;
      case "/help":
        out.println(
            String.join(
                "\n",
                "/reset        forget the conversation (the system prompt stays)",
                "/system TEXT  set the system prompt (/system alone shows it)",
                "/save FILE    save the conversation as JSON",
                "/load FILE    load a saved conversation",
                "/exit         quit (also Ctrl-D, or Ctrl-C at the prompt)",
                "Ctrl-C while a reply streams stops it."));
        return true;
      case "/reset":
        conversation.reset();
        out.println("(conversation cleared)");
        return true;
      case "/system":
        if (arg.isEmpty()) {
          String s = conversation.system();
          out.println(s == null ? "(no system prompt)" : s);
        } else {
          conversation.system(arg);
          out.println("(system prompt set)");
        }
        return true;
      case "/save":
      case "/load":
        if (arg.isEmpty()) {
          err.println(name + " needs a file name");
          return true;
        }
        try {
          if (name.equals("/save")) {
            conversation.save(Path.of(arg));
            out.println("(saved " + conversation.turns().size() + " messages to " + arg + ")");
          } else {
            conversation.load(Path.of(arg));
            out.println("(loaded " + conversation.turns().size() + " messages from " + arg + ")");
          }
        } catch (IOException | RuntimeException e) {
          err.println(name.substring(1) + " failed: " + e.getMessage());
        }
        return true;
      default:
        err.println("unknown command " + name + " (/help lists them)");
        return true;
    }
  }

  private ChatRequest.Builder settings() {
    ChatRequest.Builder b = ChatRequest.builder();
    if (options.temperature() != null) {
      b.temperature(options.temperature());
    }
    if (options.topP() != null) {
      b.topP(options.topP());
    }
    if (options.maxTokens() != null) {
      b.maxTokens(options.maxTokens());
    }
    if (options.seed() != null) {
      b.seed(options.seed());
    }
    return b;
  }

  /** One turn: stream the reply, then the statistics line. */
  private void turn(String user, PrintStream err) {
    ChatRequest request;
    try {
      request = conversation.request(user, settings());
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return;
    }
    long start = System.nanoTime();
    long first = -1;
    boolean inReasoning = false;
    ChatStream events = client.chat().stream(request);
    generating.set(events);
    try (events) {
      for (ChatEvent e : events) {
        String text;
        boolean reasoning;
        if (e instanceof ChatEvent.Content) {
          text = ((ChatEvent.Content) e).text();
          reasoning = false;
        } else if (e instanceof ChatEvent.Reasoning) {
          text = ((ChatEvent.Reasoning) e).text();
          reasoning = true;
        } else {
          continue;
        }
        if (first < 0) {
          first = System.nanoTime();
        }
        if (reasoning && options.hideReasoning()) {
          continue;
        }
        if (reasoning != inReasoning) {
          if (reasoning) {
            out.print(options.color() ? DIM : "(thinking) ");
          } else {
            out.print(options.color() ? UNDIM + "\n" : "\n");
          }
          inReasoning = reasoning;
        }
        out.print(Printable.escape(text)); // model output: no raw control characters to the terminal
        out.flush();
      }
      ChatResult result = events.result();
      if (inReasoning && options.color()) {
        out.print(UNDIM);
      }
      out.println();
      out.println(stats(result, events.stats(), first < 0 ? -1 : first - start, System.nanoTime() - start));
      conversation.commit(user, result);
    } catch (StreamCancelledException e) {
      if (inReasoning && options.color()) {
        out.print(UNDIM);
      }
      out.println();
      out.println(STOPPED + " (the reply is not kept in the conversation)");
    } catch (LlamaConnectException e) {
      out.println();
      err.println(ServerProbe.unreachable(client.baseUrl()));
    } catch (LlamaHttpException e) {
      out.println();
      err.println(e.statusCode() == 401 ? unauthorized(client.baseUrl(), keyGiven) : "error: " + Printable.escape(String.valueOf(e.getMessage())));
    } catch (LlamaException e) {
      out.println();
      err.println("error: " + Printable.escape(String.valueOf(e.getMessage())));
    } finally {
      generating.set(null);
    }
  }

  /** What a 401 means for the user: the server was started with {@code --api-key}. */
  static String unauthorized(java.net.URI url, boolean keyGiven) {
    return String.join(
        "\n",
        keyGiven
            ? "llama-server at " + url + " refused the API key given (401): it is not the one the server was started with."
            : "llama-server at " + url + " wants an API key (401): it was started with --api-key.",
        "Start the chat with the same key: ./chat --api-key KEY (or set LLAMA_API_KEY).");
  }

  /**
   * The line after a reply: tokens, tokens per second and time to first token. Tokens and speed
   * come from the stream's {@link LiveStats} ({@link ChatStream#stats()}): llama-server's timings
   * when it sent them, else the pieces counted and the local clock; the time to the first token
   * is measured here.
   */
  static String stats(ChatResult result, LiveStats live, long firstTokenNanos, long totalNanos) {
    int tokens = live.tokens();
    double perSecond = live.tokensPerSecond();
    String ttft = firstTokenNanos < 0 ? "no tokens" : "first token after " + Math.round(firstTokenNanos / 1e6) + " ms";
    return String.format(
        Locale.ROOT,
        "[%d tokens, %s tokens/s, %s, %.1f s, finish: %s]",
        tokens,
        Double.isNaN(perSecond) ? "?" : String.format(Locale.ROOT, "%.1f", perSecond),
        ttft,
        totalNanos / 1e9,
        result.finishReason().name().toLowerCase(Locale.ROOT));
  }
}
