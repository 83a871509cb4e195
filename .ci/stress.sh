#!/usr/bin/env bash
# Runs the core module's tests N times (default 20) while a CPU hog keeps the machine busy (HOGS
# busy processes, default 4: two per core on a 2-core machine), to catch tests that depend on
# timing. Reports each run, keeps the surefire reports of failed runs, exits 1 if any run failed.
#
#   .ci/stress.sh            # 20 runs of the whole core suite (about a minute each when idle)
#   .ci/stress.sh 5          # 5 runs
#   TESTS='EventPublisherTckTest' .ci/stress.sh 50   # one class, 50 times
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
hogs=${HOGS:-4}
tests=${TESTS:-}
out=${STRESS_DIR:-${TMPDIR:-/tmp}/llama-stress}
rm -rf "$out"
mkdir -p "$out"

echo "== compiling core and its tests"
./mvnw -B -o -q -pl llama-client-core test-compile || ./mvnw -B -q -pl llama-client-core test-compile || exit 1

hog_pids=()
run_pid=
stop() {
  [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null
  for p in "${hog_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${hog_pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 "$hogs"); do
  yes > /dev/null &
  hog_pids+=($!)
done
echo "== $runs runs of the core tests${tests:+ ($tests)} under $hogs busy processes on $(nproc) cores"

failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  log="$out/run-$i.log"
  ./mvnw -B -o -q -pl llama-client-core surefire:test ${tests:+-Dtest="$tests"} > "$log" 2>&1 &
  run_pid=$!
  wait "$run_pid"
  status=$?
  run_pid=
  if [ "$status" = 0 ]; then
    echo "run $i/$runs: passed in $(( $(date +%s) - start )) s"
    rm -f "$log"
  else
    failed=$((failed + 1))
    cp -r llama-client-core/target/surefire-reports "$out/run-$i-reports" 2>/dev/null
    echo "run $i/$runs: FAILED in $(( $(date +%s) - start )) s (log $log, reports $out/run-$i-reports):"
    grep -E '<<< (FAILURE|ERROR)!|Tests run:.*Fail' "$log" | sed 's/^/    /' | head -20
  fi
done
echo "== $failed of $runs runs failed"
[ "$failed" = 0 ]
