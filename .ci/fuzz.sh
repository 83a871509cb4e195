#!/usr/bin/env bash
# Fuzzes every Jazzer @FuzzTest in llama-client-core for a bounded time, one JVM per target (Jazzer
# fuzzes one test per run). Fails if any target finds a crash; prints one summary line per target.
#
# Assumes core's test classes are compiled already (`./mvnw -B -o -q -pl llama-client-core
# test-compile`, or any earlier build that ran test-compile): this script only runs surefire:test.
#
# New fuzz tests are picked up without edits: every method annotated @FuzzTest under
# llama-client-core/src/test is a target.
#
# Env: FUZZ_SECONDS (default 15) is each target's fuzzing time; it overrides the annotation's
# maxDuration through Jazzer's libFuzzer arguments (jazzer.internal.arg.N; libFuzzer takes the last
# -max_total_time given). A crashing input is moved to llama-client-core/target/fuzz-findings/:
# make it a seed file (src/test/resources/<package>/<Class>Inputs/<method>/) and a named test.
set -uo pipefail
cd "$(dirname "$0")/.."

MODULE=llama-client-core
SECONDS_PER_TARGET=${FUZZ_SECONDS:-15}
case "$SECONDS_PER_TARGET" in
  '' | *[!0-9]*) echo "FUZZ_SECONDS must be a whole number of seconds, was '$SECONDS_PER_TARGET'" >&2; exit 2 ;;
esac
if [ ! -d "$MODULE/target/test-classes" ]; then
  echo "fuzz: $MODULE's test classes are not compiled; run ./mvnw -B -o -q -pl $MODULE test-compile first" >&2
  exit 2
fi

# Class#method for each @FuzzTest: the first method declared after the annotation
targets=$(grep -rl --include='*.java' '@FuzzTest' "$MODULE/src/test" | sort | while read -r file; do
  class=$(basename "$file" .java)
  awk -v class="$class" '
    /^[[:space:]]*@FuzzTest/ { pending = 1; next }
    pending && match($0, /void[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(/) {
      name = substr($0, RSTART, RLENGTH); sub(/^void[[:space:]]+/, "", name); sub(/[[:space:]]*\($/, "", name)
      print class "#" name; pending = 0
    }' "$file"
done)
if [ -z "$targets" ]; then
  echo "fuzz: no @FuzzTest found under $MODULE/src/test" >&2
  exit 2
fi

findings="$MODULE/target/fuzz-findings"
logs="$MODULE/target/fuzz-logs"
mkdir -p "$findings" "$logs"
failed=0
summary=()
for target in $targets; do
  log="$logs/$target.log"
  started=$(date +%s)
  # a generous bound on top of the fuzzing time: JVM start, the seed run and instrumentation are
  # slow on a loaded machine
  JAZZER_FUZZ=1 timeout $((SECONDS_PER_TARGET + 900)) ./mvnw -B -o -q -pl "$MODULE" surefire:test \
    -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=true \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$SECONDS_PER_TARGET" \
    >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - started))
  # what libFuzzer said at its end (it writes to the fork's native stderr: the log or surefire's dumpstream)
  runs=$(cat "$log" "$MODULE"/target/surefire-reports/*.dumpstream 2>/dev/null \
    | grep -oE 'Done [0-9]+ runs in [0-9]+ second' | tail -1 | grep -oE '[0-9]+ runs in [0-9]+' || true)
  crashes=$(find "$MODULE" -path "$MODULE/target" -prune -o -type f -name 'crash-*' -print 2>/dev/null)
  for c in $crashes; do
    mv "$c" "$findings/${target//#/-}-$(basename "$c")"
  done
  rm -rf "$MODULE/.cifuzz-corpus" .cifuzz-corpus
  if [ "$rc" -eq 0 ] && [ -z "$crashes" ]; then
    summary+=("fuzz: ok      $target (${runs:-? runs in ?} s of fuzzing, ${took} s in all)")
  else
    failed=1
    summary+=("fuzz: FAILED  $target (exit $rc; log $log; findings in $findings)")
    grep -E 'FuzzTestFindingException|Exception|Error:|Tests run:' "$log" | head -20 >&2
  fi
done
printf '%s\n' "${summary[@]}"
exit $failed
