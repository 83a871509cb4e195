package io.github.llamaclient.examples.chat;

/**
 * Makes model output safe to print on a terminal: control characters (an escape sequence could
 * clear the screen, move the cursor, retitle the window or hide text) are shown escaped, in caret
 * notation ({@code ^[} for ESC, {@code ^M} for a carriage return, {@code ^?} for DEL) or as {@code
 * \}{@code u0085} for the C1 controls and the bidirectional overrides; newlines and tabs stay.
 */
final class Printable {
  private Printable() {}

  /**
   * The text with its control characters escaped.
   *
   * @param text model output
   * @return the text to print
   */
  static String escape(String text) {
    int i = 0;
    while (i < text.length() && !control(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text; // the usual case: nothing to escape, no copy
    }
    StringBuilder b = new StringBuilder(text.length() + 8).append(text, 0, i);
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!control(c)) {
        b.append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append('^').append((char) (c ^ 0x40));
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    return b.toString();
  }

  private static boolean control(char c) {
    return (c < 0x20 && c != '\n' && c != '\t')
        || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
  }
}
