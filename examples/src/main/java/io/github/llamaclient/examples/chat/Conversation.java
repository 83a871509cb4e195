package io.github.llamaclient.examples.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The terminal chat's memory: a system prompt and the turns so far. A turn is added only when its
 * reply completed, so a stopped or failed reply leaves the history as it was.
 *
 * <p>Why not llama-client-session's {@code ChatSession}: the chat saves to and loads from any file
 * the user names ({@code /save FILE}), while a {@code SessionStore} keeps sessions by id in a
 * directory, under file names it derives from the id; and Ctrl-C closes the reply from the signal
 * thread, which this class (one thread, nothing committed until the reply completed) makes
 * trivially safe. A server-side application with many users should use {@code SessionManager}, as
 * the web relay does.
 *
 * <p>Used by the chat's main thread only.
 */
final class Conversation {
  static final String FORMAT = "llama-chat/1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private @Nullable String system;
  private final List<ChatMessage> turns = new ArrayList<>();

  Conversation(@Nullable String system) {
    this.system = system;
  }

  @Nullable String system() {
    return system;
  }

  void system(@Nullable String text) {
    this.system = text == null || text.isBlank() ? null : text;
  }

  List<ChatMessage> turns() {
    return List.copyOf(turns);
  }

  /** Forgets the turns, keeps the system prompt. */
  void reset() {
    turns.clear();
  }

  /**
   * The request for the next turn: the system prompt, the turns so far, then {@code user}.
   *
   * @param user what the user typed
   * @param settings sampling settings already set (temperature, ...); messages are added here
   */
  ChatRequest request(String user, ChatRequest.Builder settings) {
    List<ChatMessage> messages = new ArrayList<>();
    if (system != null) {
      messages.add(ChatMessage.system(system));
    }
    messages.addAll(turns);
    messages.add(ChatMessage.user(user));
    return settings.messages(messages).build();
  }

  /** Adds a completed turn. The reasoning is kept apart and is not sent back to the server. */
  void commit(String user, ChatResult reply) {
    turns.add(ChatMessage.user(user));
    turns.add(ChatMessage.assistant(reply.text()));
  }

  /** Writes the conversation as JSON: to a temporary file first, then moved over {@code file}. */
  void save(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    if (system != null) {
      root.put("system", system);
    }
    ArrayNode messages = root.putArray("messages");
    for (ChatMessage m : turns) {
      messages.addObject().put("role", m.role()).put("content", m.content());
    }
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Replaces this conversation with the one in {@code file}.
   *
   * @throws IOException if the file cannot be read or is not a saved chat (the message says why)
   */
  void load(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + " is not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException(file + " is not a saved chat (no \"format\": \"" + FORMAT + "\")");
    }
    List<ChatMessage> loaded = new ArrayList<>();
    for (JsonNode m : root.path("messages")) {
      String role = m.path("role").asText("");
      if (!(role.equals("user") || role.equals("assistant")) || !m.path("content").isTextual()) {
        throw new IOException(file + ": a message needs role user or assistant and a text content: " + m);
      }
      loaded.add(ChatMessage.of(role, m.get("content").asText()));
    }
    JsonNode s = root.get("system");
    system(s != null && s.isTextual() ? s.asText() : null);
    turns.clear();
    turns.addAll(loaded);
  }
}
