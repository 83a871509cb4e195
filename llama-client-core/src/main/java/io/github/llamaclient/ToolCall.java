package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A function call the model asked for.
 *
 * @param id the call's id, to be echoed as {@code tool_call_id} in the tool's result message
 * @param name the function name
 * @param arguments the arguments as the raw JSON text the model produced (not validated)
 */
public record ToolCall(String id, String name, String arguments) {
  /**
   * Checks that no component is null.
   *
   * @param id the id
   * @param name the name
   * @param arguments the arguments
   */
  public ToolCall {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arguments, "arguments");
  }

  /**
   * The arguments parsed as a JSON object: nested objects become maps, arrays lists, numbers
   * {@link Integer}, {@link Long}, {@link java.math.BigInteger} or {@link Double}. Empty arguments
   * (a function without parameters) give an empty map.
   *
   * @return a new mutable map, in the order the model wrote the fields
   * @throws ToolArgumentsException if the arguments are not a valid JSON object; the message names
   *     this call
   */
  public Map<String, @Nullable Object> argumentsAsMap() {
    if (arguments.isBlank()) {
      return new LinkedHashMap<>();
    }
    Object v;
    try {
      v = Json.MAPPER.readValue(arguments, Object.class);
    } catch (IOException e) {
      throw new ToolArgumentsException(this, "are not valid JSON (" + firstLine(e) + ")", e);
    }
    if (!(v instanceof Map<?, ?>)) {
      throw new ToolArgumentsException(this, "are not a JSON object", null);
    }
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> m = (Map<String, @Nullable Object>) v;
    return m;
  }

  /**
   * The arguments bound to a type of yours (a record or a bean) with Jackson. Unknown fields are
   * ignored. Under JPMS, your package must be open to {@code com.fasterxml.jackson.databind}.
   *
   * @param <T> the type
   * @param type the class to bind to
   * @return the bound value
   * @throws ToolArgumentsException if the arguments are not valid JSON or do not fit the type; the
   *     message names this call
   */
  public <T> T argumentsAs(Class<T> type) {
    Objects.requireNonNull(type, "type");
    try {
      T value =
          Json.MAPPER
              .readerFor(type)
              .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .readValue(arguments.isBlank() ? "{}" : arguments);
      if (value == null) {
        throw new ToolArgumentsException(this, "are JSON null", null);
      }
      return value;
    } catch (IOException e) {
      throw new ToolArgumentsException(
          this, "do not fit " + type.getSimpleName() + " (" + firstLine(e) + ")", e);
    }
  }

  private static String firstLine(IOException e) {
    String m =
        e instanceof com.fasterxml.jackson.core.JsonProcessingException
            ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage()
            : e.getMessage();
    m = String.valueOf(m);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
