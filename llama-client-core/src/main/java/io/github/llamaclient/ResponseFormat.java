package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Constrains a chat reply's format ({@code response_format}): plain text, any JSON object, or JSON
 * matching a schema. llama-server turns a schema into a grammar; a schema it cannot convert gives
 * HTTP 400. Immutable; build one with the factories.
 */
public final class ResponseFormat {
  private final Map<String, Object> wire;

  private ResponseFormat(Map<String, Object> wire) {
    this.wire = java.util.Collections.unmodifiableMap(wire);
  }

  /**
   * Plain text ({@code {"type":"text"}}), the default.
   *
   * @return the format
   */
  public static ResponseFormat text() {
    return new ResponseFormat(Map.of("type", "text"));
  }

  /**
   * Any JSON object ({@code {"type":"json_object"}}).
   *
   * @return the format
   */
  public static ResponseFormat jsonObject() {
    return new ResponseFormat(Map.of("type", "json_object"));
  }

  /**
   * JSON matching a schema ({@code {"type":"json_schema","json_schema":{"name","schema"}}}).
   *
   * @param name a name for the schema (sent, not used by llama-server); null for none
   * @param schema the JSON schema, as JSON values
   * @return the format
   * @throws IllegalArgumentException if a value is not a JSON value
   */
  public static ResponseFormat jsonSchema(@Nullable String name, Map<String, ?> schema) {
    Objects.requireNonNull(schema, "schema");
    Json.checkValue(schema, "schema");
    Map<String, Object> inner = new LinkedHashMap<>();
    if (name != null) {
      inner.put("name", name);
    }
    inner.put("schema", schema);
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("type", "json_schema");
    w.put("json_schema", inner);
    return new ResponseFormat(w);
  }

  /**
   * JSON matching a schema given as raw JSON text.
   *
   * @param name a name for the schema; null for none
   * @param schemaJson the JSON schema, a JSON object
   * @return the format
   * @throws IllegalArgumentException if the text is not a JSON object
   */
  public static ResponseFormat jsonSchema(@Nullable String name, String schemaJson) {
    return jsonSchema(name, Tool.parseObject(Objects.requireNonNull(schemaJson, "schemaJson"), "schema"));
  }

  /** The wire form. */
  Map<String, Object> toWire() {
    return wire;
  }

  /**
   * The {@code type}.
   *
   * @return {@code text}, {@code json_object} or {@code json_schema}
   */
  public String type() {
    return (String) Objects.requireNonNull(wire.get("type"), "every factory sets the type");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResponseFormat && ((ResponseFormat) o).wire.equals(wire);
  }

  @Override
  public int hashCode() {
    return wire.hashCode();
  }

  @Override
  public String toString() {
    return "ResponseFormat" + new String(Json.bytes(wire), java.nio.charset.StandardCharsets.UTF_8);
  }
}
