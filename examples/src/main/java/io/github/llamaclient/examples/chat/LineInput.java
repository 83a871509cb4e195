package io.github.llamaclient.examples.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jspecify.annotations.Nullable;

/**
 * Where the chat reads what the user types: with JLine on a terminal (line editing, history with
 * the arrow keys, a multi-line paste as one message through the terminal's bracketed paste), or
 * line by line from a plain stream when there is no terminal (piped input, tests).
 */
interface LineInput extends AutoCloseable {

  /** Ctrl-C at the prompt. */
  final class Interrupted extends Exception {
    private static final long serialVersionUID = 1L;

    Interrupted() {
      super("Ctrl-C at the prompt");
    }
  }

  /**
   * Shows the prompt and reads one message.
   *
   * @return the message (may hold several lines when pasted), or null at the end of input (Ctrl-D)
   * @throws Interrupted on Ctrl-C at the prompt
   * @throws IOException if the input fails
   */
  @Nullable String read(String prompt) throws IOException, Interrupted;

  @Override
  void close();

  /** One line at a time from a plain stream; the prompt goes to {@code out}. */
  static LineInput plain(BufferedReader in, PrintStream out) {
    return new LineInput() {
      @Override
      public @Nullable String read(String prompt) throws IOException {
        out.print(prompt);
        out.flush();
        return in.readLine();
      }

      @Override
      public void close() {
        // the caller owns the stream
      }
    };
  }

  /** JLine on {@code terminal}; closing closes the terminal. */
  static LineInput jline(Terminal terminal) {
    LineReader reader =
        LineReaderBuilder.builder()
            .terminal(terminal)
            .option(LineReader.Option.BRACKETED_PASTE, true) // a pasted block stays one message
            .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // "!" is text, not history expansion
            .build();
    return new LineInput() {
      @Override
      public @Nullable String read(String prompt) throws Interrupted {
        try {
          return reader.readLine(prompt);
        } catch (UserInterruptException e) {
          throw new Interrupted();
        } catch (EndOfFileException e) {
          return null;
        }
      }

      @Override
      public void close() {
        try {
          terminal.close();
        } catch (IOException e) {
          // closing at exit: nothing to do
        }
      }
    };
  }
}
