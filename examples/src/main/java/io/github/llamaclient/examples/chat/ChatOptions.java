package io.github.llamaclient.examples.chat;

import io.github.llamaclient.LlamaClient;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The terminal chat's command line, parsed. Environment variables come first (as {@link
 * LlamaClient#builderFromEnv(Map)} reads them); flags override them.
 *
 * @param url {@code --url}, or null for the environment or the default
 * @param apiKey {@code --api-key}, or null
 * @param system {@code --system}, or null for no system prompt
 * @param temperature {@code --temperature}, or null
 * @param topP {@code --top-p}, or null
 * @param maxTokens {@code --max-tokens}, or null
 * @param seed {@code --seed}, or null
 * @param hideReasoning {@code --hide-reasoning}
 * @param color ANSI colours for reasoning ({@code --no-color} turns them off; off when not a
 *     terminal)
 * @param waitSeconds {@code --wait}: how long the start-up check waits for an answer to {@code GET
 *     /health} (default 10)
 * @param help {@code --help}
 */
record ChatOptions(
    @Nullable String url,
    @Nullable String apiKey,
    @Nullable String system,
    @Nullable Double temperature,
    @Nullable Double topP,
    @Nullable Integer maxTokens,
    @Nullable Long seed,
    boolean hideReasoning,
    boolean color,
    double waitSeconds,
    boolean help) {

  static final String USAGE =
      String.join(
          "\n",
          "Usage: java -jar examples/target/llama-chat.jar [options]",
          "",
          "Chat with a llama-server in the terminal. Replies stream token by token.",
          "",
          "Options:",
          "  --url URL            server address (default http://localhost:8080, or LLAMA_SERVER_URL)",
          "  --api-key KEY        the server's --api-key (or LLAMA_API_KEY)",
          "  --system TEXT        system prompt",
          "  --temperature T      sampling temperature (or LLM_TEMPERATURE)",
          "  --top-p P            nucleus sampling",
          "  --max-tokens N       longest reply in tokens (or LLM_MAX_TOKENS)",
          "  --seed N             sampling seed",
          "  --hide-reasoning     do not show a thinking model's reasoning",
          "  --no-color           no ANSI colours",
          "  --wait SECONDS       how long the start-up check waits for the server to answer (default 10)",
          "  --help               this text",
          "",
          "On a terminal the input line can be edited, the arrow keys recall earlier messages, and a",
          "pasted block of several lines is sent as one message.",
          "Ctrl-C stops the reply being generated; Ctrl-C at the prompt, Ctrl-D or /exit quits.");

  /**
   * Parses the arguments.
   *
   * @param args the command line
   * @param terminal whether standard output is a terminal (colours default to on)
   * @return the options
   * @throws IllegalArgumentException with a message naming the bad argument
   */
  static ChatOptions parse(List<String> args, boolean terminal) {
    String url = null;
    String apiKey = null;
    String system = null;
    Double temperature = null;
    Double topP = null;
    Integer maxTokens = null;
    Long seed = null;
    boolean hide = false;
    boolean color = terminal;
    boolean help = false;
    double wait = 10;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--url":
          url = value(args, ++i, a);
          break;
        case "--api-key":
          apiKey = value(args, ++i, a);
          break;
        case "--system":
          system = value(args, ++i, a);
          break;
        case "--temperature":
          temperature = number(value(args, ++i, a), a);
          break;
        case "--top-p":
          topP = number(value(args, ++i, a), a);
          break;
        case "--max-tokens":
          maxTokens = (int) whole(value(args, ++i, a), a);
          break;
        case "--seed":
          seed = whole(value(args, ++i, a), a);
          break;
        case "--hide-reasoning":
          hide = true;
          break;
        case "--no-color":
          color = false;
          break;
        case "--wait":
          wait = number(value(args, ++i, a), a);
          if (!(wait > 0) || wait > 86_400) {
            throw new IllegalArgumentException("--wait must be more than 0 and at most 86400 seconds, was " + wait);
          }
          break;
        case "--help":
        case "-h":
          help = true;
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a + " (see --help)");
      }
    }
    return new ChatOptions(url, apiKey, system, temperature, topP, maxTokens, seed, hide, color, wait, help);
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args.get(i);
  }

  private static double number(String v, String option) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number, was '" + v + "'", e);
    }
  }

  private static long whole(String v, String option) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a whole number, was '" + v + "'", e);
    }
  }
}
