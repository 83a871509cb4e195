// The relay over one WebSocket, beside chat.js's chatStream: plain JavaScript, no build step.
// The server (llama-client-spring-boot-starter, /api/llm/chat/ws) takes the same request bodies as
// the SSE endpoints and answers with the same JSON, one message per event.

/**
 * Opens a socket to the relay. `url` defaults to this page's origin. Returns an object whose
 * stream(data, onChunk, onComplete, onError, more) starts one turn (the socket carries one at a time)
 * and returns a controller: abort() sends {"cancel": true}, and the server then stops llama-server
 * and answers {"done": true, "finish_reason": "cancelled"} (given to onComplete). `data` is a
 * stateless body {messages, temperature, top_p, max_tokens} or a session one {session_id, message,
 * system_prompt, options}; `more` may hold onReasoning(text) and onProgress(progress).
 */
function openChatSocket(url) {
  const address = url || (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/llm/chat/ws";
  const socket = new WebSocket(address);
  const opened = new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("cannot open " + address));
  });
  let turn = null; // {onChunk, onComplete, onError, more}

  const end = () => {
    const t = turn;
    turn = null;
    return t;
  };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (!turn) {
      return; // a piece sent before our cancel arrived
    }
    if (event.content !== undefined) {
      turn.onChunk(event.content);
    } else if (event.reasoning !== undefined) {
      if (turn.more && turn.more.onReasoning) turn.more.onReasoning(event.reasoning);
    } else if (event.progress !== undefined) {
      if (turn.more && turn.more.onProgress) turn.more.onProgress(event.progress);
    } else if (event.done) {
      end().onComplete(event);
    } else if (event.error !== undefined) {
      end().onError(event.error);
    }
  };
  socket.onclose = () => {
    if (turn) {
      end().onError("the connection closed before the reply was complete");
    }
  };

  return {
    stream(data, onChunk, onComplete, onError, more) {
      if (turn) {
        onError("a reply is still streaming");
        return { abort() {} };
      }
      turn = { onChunk, onComplete, onError, more };
      opened.then(() => socket.send(JSON.stringify(data)), (e) => end() && onError(String(e)));
      return {
        abort() {
          if (socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ cancel: true }));
          }
        },
      };
    },
    close() {
      socket.close();
    },
  };
}
