package io.github.llamaclient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * llama-server's Prometheus metrics ({@code GET /metrics}, needs {@code --metrics}), parsed into
 * named values. Names are kept as sent, with the {@code llamacpp:} prefix; series with labels keep
 * their label set in the name ({@code name{label="v"}}). The typed getters cover the standard
 * {@code llamacpp:*} series and give {@link Double#NaN} for one the server did not send.
 *
 * @param values every sample, by name, in the order sent
 */
public record Metrics(Map<String, Double> values) {
  /**
   * Copies the map.
   *
   * @param values the values
   */
  public Metrics {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** Parses the Prometheus text format (version 0.0.4): comment lines skipped, timestamps ignored. */
  static Metrics parse(String text) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int end = line.indexOf('}') >= 0 ? line.indexOf('}') + 1 : line.indexOf(' ');
      if (end <= 0 || end >= line.length()) {
        continue;
      }
      String name = line.substring(0, end).strip();
      String[] rest = line.substring(end).strip().split("\\s+");
      out.put(name, parseValue(rest[0]));
    }
    return new Metrics(out);
  }

  private static double parseValue(String v) {
    switch (v) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(v);
        } catch (NumberFormatException e) {
          return Double.NaN;
        }
    }
  }

  /**
   * One value by full name.
   *
   * @param name for example {@code llamacpp:requests_processing}
   * @return the value, or {@link Double#NaN} if absent
   */
  public double value(String name) {
    Double v = values.get(Objects.requireNonNull(name, "name"));
    return v == null ? Double.NaN : v;
  }

  /**
   * Returns {@code llamacpp:prompt_tokens_total}: prompt tokens processed.
   *
   * @return {@code llamacpp:prompt_tokens_total}: prompt tokens processed
   */
  public double promptTokensTotal() {
    return value("llamacpp:prompt_tokens_total");
  }

  /**
   * Returns {@code llamacpp:prompt_seconds_total}: prompt processing time.
   *
   * @return {@code llamacpp:prompt_seconds_total}: prompt processing time
   */
  public double promptSecondsTotal() {
    return value("llamacpp:prompt_seconds_total");
  }

  /**
   * Returns {@code llamacpp:tokens_predicted_total}: tokens generated.
   *
   * @return {@code llamacpp:tokens_predicted_total}: tokens generated
   */
  public double tokensPredictedTotal() {
    return value("llamacpp:tokens_predicted_total");
  }

  /**
   * Returns {@code llamacpp:tokens_predicted_seconds_total}: generation time.
   *
   * @return {@code llamacpp:tokens_predicted_seconds_total}: generation time
   */
  public double tokensPredictedSecondsTotal() {
    return value("llamacpp:tokens_predicted_seconds_total");
  }

  /**
   * Returns {@code llamacpp:n_decode_total}: {@code llama_decode()} calls.
   *
   * @return {@code llamacpp:n_decode_total}: {@code llama_decode()} calls
   */
  public double decodeCallsTotal() {
    return value("llamacpp:n_decode_total");
  }

  /**
   * Returns {@code llamacpp:n_tokens_max}: the largest batch seen.
   *
   * @return {@code llamacpp:n_tokens_max}: the largest batch seen
   */
  public double tokensMax() {
    return value("llamacpp:n_tokens_max");
  }

  /**
   * Returns {@code llamacpp:prompt_tokens_seconds}: average prompt throughput, tokens/s.
   *
   * @return {@code llamacpp:prompt_tokens_seconds}: average prompt throughput, tokens/s
   */
  public double promptTokensPerSecond() {
    return value("llamacpp:prompt_tokens_seconds");
  }

  /**
   * Returns {@code llamacpp:predicted_tokens_seconds}: average generation throughput, tokens/s.
   *
   * @return {@code llamacpp:predicted_tokens_seconds}: average generation throughput, tokens/s
   */
  public double predictedTokensPerSecond() {
    return value("llamacpp:predicted_tokens_seconds");
  }

  /**
   * Returns {@code llamacpp:requests_processing}: requests being served.
   *
   * @return {@code llamacpp:requests_processing}: requests being served
   */
  public double requestsProcessing() {
    return value("llamacpp:requests_processing");
  }

  /**
   * Returns {@code llamacpp:requests_deferred}: requests waiting for a slot.
   *
   * @return {@code llamacpp:requests_deferred}: requests waiting for a slot
   */
  public double requestsDeferred() {
    return value("llamacpp:requests_deferred");
  }

  /**
   * Returns {@code llamacpp:n_busy_slots_per_decode}: average busy slots per decode.
   *
   * @return {@code llamacpp:n_busy_slots_per_decode}: average busy slots per decode
   */
  public double busySlotsPerDecode() {
    return value("llamacpp:n_busy_slots_per_decode");
  }
}
