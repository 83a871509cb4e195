package io.github.llamaclient.examples.relay;

import io.github.llamaclient.session.ChatSession;
import io.github.llamaclient.session.SavedStream;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.session.SessionMessage;
import io.github.llamaclient.session.StreamReplay;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The replay endpoint's lookup: {@code GET /api/llm/chat/session/{id}/turns/{n}/replay?speed=s}
 * finds reply {@code n} (0 for the first) of session {@code id} and its saved stream, or says why
 * not, with the status to answer: 404 for an unknown session, an unknown turn, or a turn saved
 * without its stream; 400 for a turn or speed that is not a number.
 */
final class TurnReplays {
  private static final Pattern PATH = Pattern.compile("/api/llm/chat/session/([^/]+)/turns/([^/]+)/replay");

  /** The replay to play, or the status and message of a refusal. */
  record Lookup(@Nullable StreamReplay replay, int status, String message) {
    static Lookup refused(int status, String message) {
      return new Lookup(null, status, message);
    }
  }

  private TurnReplays() {}

  static boolean matches(String path) {
    return PATH.matcher(path).matches();
  }

  static Lookup find(SessionManager sessions, String path, String query) {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      return Lookup.refused(404, "not found");
    }
    String id = decode(m.group(1));
    int turn;
    try {
      turn = Integer.parseInt(m.group(2));
    } catch (NumberFormatException e) {
      return Lookup.refused(400, "the turn must be a number (0 for the first reply), was '" + m.group(2) + "'");
    }
    double speed;
    String s = parameter(query, "speed");
    try {
      speed = s == null ? 1 : s.equals("max") ? 0 : Double.parseDouble(s);
    } catch (NumberFormatException e) {
      speed = -1;
    }
    if (!(speed >= 0) || Double.isInfinite(speed)) {
      return Lookup.refused(400, "speed must be a positive number (2 plays twice as fast) or 'max', was '" + s + "'");
    }
    if (!sessions.list().contains(id)) {
      return Lookup.refused(404, "no session '" + id + "'");
    }
    ChatSession session = sessions.session(id);
    List<SessionMessage> replies = session.replies();
    if (turn < 0 || turn >= replies.size()) {
      return Lookup.refused(
          404, "session '" + id + "' has " + replies.size() + " replies (turns 0 to " + (replies.size() - 1) + "); no turn " + turn);
    }
    SavedStream saved = replies.get(turn).stream();
    if (saved == null) {
      return Lookup.refused(404, "turn " + turn + " of session '" + id + "' was kept without its stream: nothing to replay");
    }
    StreamReplay replay = saved.replay();
    return new Lookup(speed == 0 ? replay.fastest() : replay.speed(speed), 200, "");
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static @Nullable String parameter(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : decode(pair.substring(eq + 1));
      }
    }
    return null;
  }
}
