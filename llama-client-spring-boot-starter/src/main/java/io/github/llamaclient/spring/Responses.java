package io.github.llamaclient.spring;

import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** The endpoints' answers that are not a stream, the same on both stacks: JSON {@code {"error": ...}}. */
final class Responses {
  private Responses() {}

  /** 400 with what is wrong with the request. */
  static ResponseEntity<Object> badRequest(String message) {
    return json(HttpStatus.BAD_REQUEST, message).build(message);
  }

  /** 429 with {@code Retry-After} in whole seconds, at least 1. */
  static ResponseEntity<Object> tooMany(RateLimiter.Admission refused) {
    String message = refusal(refused);
    return json(HttpStatus.TOO_MANY_REQUESTS, message).header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds(refused))).build(message);
  }

  /** What a refused caller is told: the limit and when to try again. */
  static String refusal(RateLimiter.Admission refused) {
    return "too many requests (" + refused.reason() + "); try again in " + retryAfterSeconds(refused) + " s";
  }

  private static long retryAfterSeconds(RateLimiter.Admission refused) {
    return Math.max(1, ceilSeconds(refused.retryAfter()));
  }

  /** 503 when no stream can start now. */
  static ResponseEntity<Object> busy() {
    String message = "the relay is busy; try again in a moment";
    return json(HttpStatus.SERVICE_UNAVAILABLE, message).header(HttpHeaders.RETRY_AFTER, "1").build(message);
  }

  /** The headers of an event stream: no caching, no proxy buffering (nginx). */
  static ResponseEntity.BodyBuilder stream() {
    return ResponseEntity.ok()
        .contentType(MediaType.TEXT_EVENT_STREAM)
        .header(HttpHeaders.CACHE_CONTROL, "no-cache")
        .header("X-Accel-Buffering", "no");
  }

  private static long ceilSeconds(Duration d) {
    long s = d.getSeconds();
    return d.getNano() > 0 ? s + 1 : s;
  }

  private static Json json(HttpStatus status, String message) {
    return new Json(ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON));
  }

  /** A JSON error body; the message is ours, never an exception's text. */
  private static final class Json {
    private final ResponseEntity.BodyBuilder b;

    Json(ResponseEntity.BodyBuilder b) {
      this.b = b;
    }

    Json header(String name, String value) {
      b.header(name, value);
      return this;
    }

    ResponseEntity<Object> build(String message) {
      return b.body(java.util.Map.of("error", message));
    }
  }
}
