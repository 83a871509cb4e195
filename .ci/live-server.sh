#!/bin/sh
# Starts a real llama-server on 127.0.0.1:$PORT (default 8080) with a tiny random-weight model, to
# try the client against the real server where no model can be downloaded. llama-server comes from
# Debian's llama.cpp packages (unstable), unpacked into $LIVE_DIR without installing anything, and
# run with the C library of those packages; the model is written by .ci/tiny-model.py (python3 with
# numpy). Not part of the tests: a manual check, e.g. `./chat` or the console example against it.
#
#   .ci/live-server.sh            # then, in another terminal: ./chat
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${LIVE_DIR:-/tmp/llama-live}
port=${PORT:-8080}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$dir/debs" "$dir/root"
if [ ! -x "$dir/root/usr/bin/llama-server" ]; then
  echo "fetching Debian's llama.cpp packages (unstable) into $dir ..."
  curl -fsS "$mirror/dists/sid/main/binary-amd64/Packages.xz" -o "$dir/Packages.xz"
  xz -dc "$dir/Packages.xz" | python3 -c '
import sys
want = {"llama.cpp-tools", "libllama0", "libggml0", "libc6", "libstdc++6", "libgcc-s1", "libssl3t64",
        "libgomp1", "python3-gguf", "libzstd1", "zlib1g", "libcrypt1"}
cur = {}
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        if cur.get("Package") in want:
            print(cur["Filename"])
        cur = {}
    elif line[0] != " " and ":" in line:
        k, v = line.split(":", 1)
        cur[k] = v.strip()
' > "$dir/files"
  while read -r f; do
    curl -fsS "$mirror/$f" -o "$dir/debs/$(basename "$f")"
    dpkg -x "$dir/debs/$(basename "$f")" "$dir/root"
  done < "$dir/files"
fi
# written again when tiny-model.py changed (it now makes a model that calls tools)
if [ ! -f "$dir/tiny.gguf" ] || [ "$here/tiny-model.py" -nt "$dir/tiny.gguf" ]; then
  python3 "$here/tiny-model.py" "$dir/root/usr/lib/python3/dist-packages" "$dir/tiny.gguf"
fi
lib="$dir/root/usr/lib/x86_64-linux-gnu"
# ggml looks for its CPU backends where Debian installs them; name the one for this CPU instead
flags=$(grep -m1 '^flags' /proc/cpuinfo)
case "$flags" in
  *" avx2 "*) cpu=haswell ;;
  *" avx "*) cpu=sandybridge ;;
  *) cpu=x64 ;;
esac
export GGML_BACKEND_PATH="$lib/ggml/backends0/libggml-cpu-$cpu.so"
echo "llama-server on http://127.0.0.1:$port (Ctrl-C stops it)"
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/llama:$lib/ggml/backends0" \
  "$dir/root/usr/bin/llama-server" -m "$dir/tiny.gguf" --host 127.0.0.1 --port "$port" \
  -c 20480 -np 2 --jinja --metrics --slots
