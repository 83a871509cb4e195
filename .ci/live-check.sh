#!/bin/sh
# The live check: starts a real llama-server with a tiny random model (.ci/live-server.sh) and runs
# LiveServerTest and LiveReplayTest (examples), LiveApiTest (core) and the Spring live tests against it; a second one, started with
# --embeddings --pooling none and the tiny LoRA adapter, answers LiveApiTest's embeddings and LoRA
# checks (it starts in a second: the model is 0.5 MB). If the server cannot be provisioned here (no route to Debian's
# mirror, no python3 with numpy), it says so loudly and exits 0: that is the machine, not a
# regression, and the replay tests cover the client. If the server runs, the test must pass.
# A third, in router mode, answers LiveRouterTest (core). LiveFleetTest (examples) starts three
# more servers itself, kills one mid-run and restarts it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
port=${LIVE_PORT:-18080}
log=${TMPDIR:-/tmp}/llama-live-server.log
if ! python3 -c 'import numpy' 2>/dev/null; then
  echo "live check SKIPPED: python3 has no numpy (needed to write the tiny model)"
  exit 0
fi
PORT=$port "$here/live-server.sh" > "$log" 2>&1 &
pid=$!
pid2=
pid3=
trap 'kill $pid $pid2 $pid3 2>/dev/null; wait $pid $pid2 $pid3 2>/dev/null' EXIT
# waits_for PID URL SECONDS: whether URL answered before the process ended or the time ran out
waits_for() {
  for _ in $(seq 1 "$3"); do
    if curl -fsS "$2" > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$1" 2>/dev/null; then return 1; fi
    sleep 1
  done
  return 1
}
if ! waits_for $pid "http://127.0.0.1:$port/health" 180; then
  echo "live check SKIPPED: llama-server could not be provisioned or started here; its log:"
  tail -n 20 "$log"
  exit 0
fi
echo "live check: llama-server up on port $port"
# the second server, once the first has written the model and the adapter
port2=$((port + 1))
PORT=$port2 "$here/live-server.sh" --embeddings --pooling none --lora "${LIVE_DIR:-/tmp/llama-live}/tiny-lora.gguf" \
  > "$log.embeddings" 2>&1 &
pid2=$!
if ! waits_for $pid2 "http://127.0.0.1:$port2/health" 60; then
  echo "live check: the embeddings server did not start (LiveApiTest skips its embeddings and LoRA checks); its log:"
  tail -n 20 "$log.embeddings"
  embeddings_url=
else
  embeddings_url="http://127.0.0.1:$port2"
fi
# the third: router mode (models alpha and beta), for LiveRouterTest
port3=$((port + 2))
PORT=$port3 "$here/live-server.sh" --router > "$log.router" 2>&1 &
pid3=$!
if ! waits_for $pid3 "http://127.0.0.1:$port3/models" 60; then
  echo "live check: the router-mode server did not start; its log:"
  tail -n 20 "$log.router"
  exit 1
fi
# LiveFleetTest starts (and kills, and restarts) three more servers of its own with this script
LLAMA_LIVE_URL="http://127.0.0.1:$port" LLAMA_LIVE_EMBEDDINGS_URL="$embeddings_url" \
  LLAMA_LIVE_ROUTER_URL="http://127.0.0.1:$port3" LLAMA_LIVE_SERVER_SCRIPT="$here/live-server.sh" \
  ./mvnw -B -ntp -q -pl examples,examples-spring-boot -am test \
  -Dtest='LiveServerTest,LiveApiTest,LiveSpringTest,LiveRelayTest,LiveFleetTest,LiveRouterTest,LiveReplayTest' -Dsurefire.failIfNoSpecifiedTests=false
