#!/usr/bin/env bash
# Reproducible-build check: builds the working tree twice, in two copies at different paths,
# with a different time zone, umask and locale, and compares every jar the build
# produces byte for byte (main, -sources, -javadoc and -tests jars of every module; the poms are
# published as they are in git).
# Exits 1 and names the files on any difference. Installs nothing (no ~/.m2 writes besides
# downloads). Takes about a minute on 2 cores.
#
#   .ci/reproducible.sh            # check
#   KEEP=1 .ci/reproducible.sh     # keep the two build trees for a closer look (diffoscope, unzip)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/llama-repro.XXXXXX")"
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

copy_tree() { # the working tree as it is (uncommitted edits included), without build output
  mkdir -p "$2"
  tar -C "$1" --exclude=./.git --exclude='./target' --exclude='./*/target' -cf - . | tar -C "$2" -xf -
}

build() { # $1 = directory; the rest: environment that must not matter
  local dir="$1"; shift
  (cd "$dir" && env "$@" bash -c 'umask "$UMASK_VALUE"; ./mvnw -B -ntp -q -DskipTests package') \
    > "$dir.log" 2>&1 || { echo "build in $dir failed:"; tail -50 "$dir.log"; exit 2; }
}

start=$(date +%s)
copy_tree "$root" "$work/first"
copy_tree "$root" "$work/second-build-elsewhere"
build "$work/first" TZ=UTC LC_ALL=C.UTF-8 UMASK_VALUE=022
build "$work/second-build-elsewhere" TZ=Pacific/Kiritimati LC_ALL=C UMASK_VALUE=002

# every jar of every module
list() { (cd "$1" && find . -path '*/target/*.jar' -not -path '*/target/*/*' | sort) }
a="$(list "$work/first")"
b="$(list "$work/second-build-elsewhere")"
if [ "$a" != "$b" ]; then
  echo "reproducible: the two builds made different sets of jars:"
  diff <(echo "$a") <(echo "$b") || true
  exit 1
fi
if [ -z "$a" ]; then echo "reproducible: no jars built"; exit 1; fi

differ=0
count=0
for f in $a; do
  count=$((count + 1))
  if ! cmp -s "$work/first/$f" "$work/second-build-elsewhere/$f"; then
    echo "reproducible: DIFFERENT ${f#./}"
    diff <(unzip -lv "$work/first/$f" | awk '{print $1, $7, $8}' | sed '1,3d') \
         <(unzip -lv "$work/second-build-elsewhere/$f" | awk '{print $1, $7, $8}' | sed '1,3d') | head -20 || true
    differ=1
  fi
done
if [ $differ != 0 ]; then
  echo "reproducible: FAILED (KEEP=1 keeps both trees; compare with unzip -lv or diffoscope)"
  exit 1
fi
echo "reproducible: $count jars byte-identical across two builds ($(( $(date +%s) - start ))s)"
for f in $a; do echo "  $(sha256sum "$work/first/$f" | cut -c1-16)  ${f#./}"; done
