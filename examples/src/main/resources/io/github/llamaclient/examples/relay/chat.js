// The relay's browser side: plain JavaScript, no build step. EventSource cannot POST, so the
// replies are read from fetch's streamed body and cut into Server-Sent Events here.

/** The bearer token sent with every call; set it before calling (the page reads it from a field). */
let relayToken = "";

/** Where the relay is: "" for the page's own origin, or e.g. "https://relay.example.com" (the relay must list this page's origin in RELAY_CORS_ORIGINS). */
let relayBaseUrl = "";

function setRelayToken(token) {
  relayToken = token;
}

function setRelayBaseUrl(url) {
  relayBaseUrl = url.replace(/\/+$/, "");
}

/**
 * Streams a reply from `url` (POSTs `data`; GETs when `data` is null). Calls onChunk(text) per piece, then onComplete(done) with the done
 * event ({done, finish_reason, usage, timings}), or onError(message), once. `more` may hold
 * onReasoning(text) and onProgress({total, cache, processed, time_ms}) for the optional events
 * (sent only when the relay's RELAY_EVENTS turns them on). Heartbeat comments are skipped. Returns
 * a controller: abort() stops the reply (the relay then closes the upstream stream).
 */
function relayStream(url, data, onChunk, onComplete, onError, more) {
  const controller = new AbortController();
  let ended = false;
  const fail = (message) => {
    if (!ended) {
      ended = true;
      onError(message);
    }
  };
  const init = data === null
    ? { method: "GET", headers: { "Authorization": "Bearer " + relayToken }, signal: controller.signal }
    : {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + relayToken },
        body: JSON.stringify(data),
        signal: controller.signal,
      };
  fetch(relayBaseUrl + url, init)
    .then(async (response) => {
      if (!response.ok) {
        let message = "HTTP " + response.status;
        try {
          message += ": " + (await response.json()).error;
        } catch (e) {
          // no JSON body
        }
        fail(message);
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder(); // UTF-8, kept across reads
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of frame.split("\n")) {
            if (!line.startsWith("data:")) {
              continue;
            }
            const event = JSON.parse(line.slice(5));
            if (event.content !== undefined) {
              onChunk(event.content);
            } else if (event.reasoning !== undefined) {
              if (more && more.onReasoning) more.onReasoning(event.reasoning);
            } else if (event.progress !== undefined) {
              if (more && more.onProgress) more.onProgress(event.progress);
            } else if (event.done) {
              ended = true;
              onComplete(event);
              return;
            } else if (event.error !== undefined) {
              fail(event.error);
              return;
            }
          }
        }
      }
      fail("the stream ended before the reply was complete");
    })
    .catch((e) => {
      if (e.name !== "AbortError") {
        fail(String(e));
      }
    });
  return controller;
}

/** Stateless: data = {messages: [{role, content}], temperature, top_p, max_tokens}. */
function chatStream(data, onChunk, onComplete, onError, more) {
  return relayStream("/api/llm/chat/stream", data, onChunk, onComplete, onError, more);
}

/** With history kept by the relay: data = {session_id, message, system_prompt, options}. */
function chatSessionStream(data, onChunk, onComplete, onError, more) {
  return relayStream("/api/llm/chat/session/stream", data, onChunk, onComplete, onError, more);
}

/**
 * Replays a past reply of a session as it streamed: turn 0 is the session's first reply; speed 1 is
 * the original pace, 2 twice as fast, "max" at once. The same callbacks as a live reply.
 */
function replayTurn(sessionId, turn, speed, onChunk, onComplete, onError, more) {
  const url = "/api/llm/chat/session/" + encodeURIComponent(sessionId) + "/turns/" + turn + "/replay?speed=" + encodeURIComponent(speed);
  return relayStream(url, null, onChunk, onComplete, onError, more);
}
