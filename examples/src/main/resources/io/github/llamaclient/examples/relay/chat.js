// The relay's browser side: plain JavaScript, no build step. EventSource cannot POST, so the
// replies are read from fetch's streamed body and cut into Server-Sent Events here.

/** The bearer token sent with every call; set it before calling (the page reads it from a field). */
let relayToken = "";

function setRelayToken(token) {
  relayToken = token;
}

/**
 * Streams a reply from `url`. Calls onChunk(text) per piece, then onComplete(), or onError(message)
 * once. Returns a controller: abort() stops the reply (the relay then closes the upstream stream).
 */
function relayStream(url, data, onChunk, onComplete, onError) {
  const controller = new AbortController();
  let ended = false;
  const fail = (message) => {
    if (!ended) {
      ended = true;
      onError(message);
    }
  };
  fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": "Bearer " + relayToken },
    body: JSON.stringify(data),
    signal: controller.signal,
  })
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
            } else if (event.done) {
              ended = true;
              onComplete();
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
function chatStream(data, onChunk, onComplete, onError) {
  return relayStream("/api/llm/chat/stream", data, onChunk, onComplete, onError);
}

/** With history kept by the relay: data = {session_id, message, system_prompt, options}. */
function chatSessionStream(data, onChunk, onComplete, onError) {
  return relayStream("/api/llm/chat/session/stream", data, onChunk, onComplete, onError);
}
