package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A function the model may call, offered through {@link ChatRequest.Builder#tools(java.util.List)}
 * and sent as {@code {"type":"function","function":{"name","description","parameters"}}}.
 * llama-server needs {@code --jinja} (and a chat template that knows tools) for requests with tools;
 * without it the request fails with HTTP 500.
 *
 * <p>Immutable. The parameters are checked when the tool is built: they must be a JSON object (a
 * JSON schema); raw text that is not valid JSON fails at once with {@link
 * IllegalArgumentException}.
 */
public final class Tool {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final String name;
  private final @Nullable String description;
  private final Map<String, @Nullable Object> parameters;

  private Tool(String name, @Nullable String description, Map<String, @Nullable Object> parameters) {
    this.name = name;
    this.description = description;
    this.parameters = parameters;
  }

  /**
   * A function tool whose parameters schema is given as a map of JSON values.
   *
   * @param name the function name: 1 to 64 letters, digits, {@code _ . -}
   * @param description what the function does, for the model; null for none
   * @param parameters the JSON schema of the arguments (String, Number, Boolean, Map, List values)
   * @return the tool
   * @throws IllegalArgumentException if the name or a value is not allowed
   */
  public static Tool function(String name, @Nullable String description, Map<String, ?> parameters) {
    checkName(name);
    Objects.requireNonNull(parameters, "parameters");
    Json.checkValue(parameters, "parameters of tool " + name);
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> copy =
        (Map<String, @Nullable Object>) Json.MAPPER.convertValue(parameters, Map.class);
    return new Tool(name, description, java.util.Collections.unmodifiableMap(copy));
  }

  /**
   * A function tool whose parameters schema is given as raw JSON text.
   *
   * @param name the function name: 1 to 64 letters, digits, {@code _ . -}
   * @param description what the function does, for the model; null for none
   * @param parametersJson the JSON schema of the arguments, a JSON object
   * @return the tool
   * @throws IllegalArgumentException if the name is not allowed, or the text is not a JSON object
   *     (the message says where it breaks)
   */
  public static Tool function(String name, @Nullable String description, String parametersJson) {
    checkName(name);
    Objects.requireNonNull(parametersJson, "parametersJson");
    return new Tool(name, description, parseObject(parametersJson, "parameters of tool " + name));
  }

  /**
   * A function tool that takes no arguments.
   *
   * @param name the function name
   * @param description what the function does, for the model; null for none
   * @return the tool
   */
  public static Tool function(String name, @Nullable String description) {
    return function(name, description, Map.of("type", "object", "properties", Map.of()));
  }

  static Map<String, @Nullable Object> parseObject(String json, String what) {
    Object v;
    try {
      v = Json.MAPPER.readValue(json, Object.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(v instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(what + " must be a JSON object, was: " + abbreviate(json));
    }
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> m = (Map<String, @Nullable Object>) v;
    return java.util.Collections.unmodifiableMap(m);
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "…";
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "tool name must be 1 to 64 letters, digits, '_', '.' or '-', was '" + name + "'");
    }
  }

  /**
   * The function name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The description, or null if none.
   *
   * @return the description
   */
  public @Nullable String description() {
    return description;
  }

  /**
   * The parameters schema.
   *
   * @return an unmodifiable map of JSON values
   */
  public Map<String, @Nullable Object> parameters() {
    return parameters;
  }

  /**
   * The parameters schema as compact JSON text.
   *
   * @return the JSON text
   */
  public String parametersJson() {
    return new String(Json.bytes(parameters), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The wire form: {@code {"type":"function","function":{...}}}. */
  Map<String, Object> toWire() {
    Map<String, @Nullable Object> f = new java.util.LinkedHashMap<>();
    f.put("name", name);
    if (description != null) {
      f.put("description", description);
    }
    f.put("parameters", parameters);
    Map<String, Object> t = new java.util.LinkedHashMap<>();
    t.put("type", "function");
    t.put("function", f);
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tool
        && ((Tool) o).name.equals(name)
        && Objects.equals(((Tool) o).description, description)
        && ((Tool) o).parameters.equals(parameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, description, parameters);
  }

  @Override
  public String toString() {
    return "Tool[" + name + "]";
  }
}
