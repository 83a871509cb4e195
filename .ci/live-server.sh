#!/bin/sh
# Starts a real llama-server on 127.0.0.1:$PORT (default 8080) with a tiny random-weight model, to
# try the client against the real server where no model can be downloaded. llama-server comes from
# Debian's llama.cpp packages (unstable), unpacked into $LIVE_DIR without installing anything, and
# run with the C library of those packages; the model is written by .ci/tiny-model.py (python3 with
# numpy). Not part of the tests: a manual check, e.g. `./chat` or the console example against it.
# The packages come from the Debian mirror in this machine's apt sources (through apt's proxy, if
# it has one), or from $DEBIAN_MIRROR when set: the script names no host of its own.
#
#   .ci/live-server.sh            # then, in another terminal: ./chat
#   .ci/live-server.sh --embeddings --pooling none --lora /tmp/llama-live/tiny-lora.gguf
#                                 # extra arguments go to llama-server; the adapter is written beside the model
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${LIVE_DIR:-/tmp/llama-live}
port=${PORT:-8080}

# The http(s) URIs of apt's Debian sources ("deb" entries of a release suite with the main
# component), from one-line (.list) and deb822 (.sources) files, in apt's own order.
apt_mirrors() {
  eval "$(apt-config shell etc Dir::Etc/d list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d 2>/dev/null)"
  etc=${etc:-/etc/apt/}
  list=${list:-${etc}sources.list}
  parts=${parts:-${etc}sources.list.d/}
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  for f in "$list" "$parts"*.list "$parts"*.sources; do
    [ -f "$f" ] || continue
    case "$f" in
      *.sources) awk -v RS= '
          { types = uris = suites = comps = ""; enabled = "yes"
            n = split($0, lines, "\n")
            for (i = 1; i <= n; i++) {
              l = lines[i]; if (l ~ /^#/) continue
              k = tolower(l); sub(/:.*/, "", k); v = l; sub(/^[^:]*:[ \t]*/, "", v)
              if (k == "types") types = v; else if (k == "uris") uris = v
              else if (k == "suites") suites = v; else if (k == "components") comps = v
              else if (k == "enabled") enabled = tolower(v)
            }
            if (enabled == "no" || (" " types " ") !~ / deb / || (" " comps " ") !~ / main /) next
            split(uris, u, " "); split(suites, s, " ")
            for (i in u) for (j in s) print u[i], s[j]
          }' "$f" ;;
      *) sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && (" " $0 " ") ~ / main / { print $2, $3 }' ;;
    esac
  done | awk -v c="$codename" '
      $1 ~ /^https?:\/\// && ($2 == c || $2 ~ /^(sid|unstable|testing|stable|oldstable)$/) && !seen[$1]++ {
        sub(/\/+$/, "", $1); print $1 }'
}

# apt's proxy, if it has one, for curl too
if [ -z "${http_proxy:-}" ]; then
  eval "$(apt-config shell http_proxy Acquire::http::Proxy 2>/dev/null)"
  [ -n "${http_proxy:-}" ] && [ "$http_proxy" != DIRECT ] && export http_proxy || unset http_proxy
fi
if [ -z "${https_proxy:-}" ]; then
  eval "$(apt-config shell https_proxy Acquire::https::Proxy 2>/dev/null)"
  [ -n "${https_proxy:-}" ] && [ "$https_proxy" != DIRECT ] && export https_proxy || unset https_proxy
fi

mkdir -p "$dir/debs" "$dir/root"
if [ ! -x "$dir/root/usr/bin/llama-server" ]; then
  echo "fetching Debian's llama.cpp packages (unstable) into $dir ..."
  mirror=
  for m in ${DEBIAN_MIRROR:-$(apt_mirrors)}; do
    if curl -fsS "$m/dists/sid/main/binary-amd64/Packages.xz" -o "$dir/Packages.xz"; then
      mirror=$m
      break
    fi
  done
  if [ -z "$mirror" ]; then
    echo "no Debian mirror with unstable (sid) found: apt's sources list none that answers;" \
      "set DEBIAN_MIRROR to one (the URI of a Debian archive)" >&2
    exit 1
  fi
  echo "from $mirror"
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
if [ ! -f "$dir/tiny.gguf" ] || [ ! -f "$dir/tiny-lora.gguf" ] || [ "$here/tiny-model.py" -nt "$dir/tiny.gguf" ]; then
  python3 "$here/tiny-model.py" "$dir/root/usr/lib/python3/dist-packages" "$dir/tiny.gguf" "$dir/tiny-lora.gguf"
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
if [ "${1:-}" = --router ]; then
  # router mode: models alpha and beta (the tiny model twice), one loaded at a time. The router
  # starts each model as a child process of its own executable, so it needs a llama-server that
  # runs without the loader in front: a copy with the unpacked loader as its interpreter
  # (patchelf), and the libraries on LD_LIBRARY_PATH, set only for it (exec).
  shift
  command -v patchelf > /dev/null || { echo "router mode needs patchelf (Debian: apt-get install patchelf)" >&2; exit 1; }
  mkdir -p "$dir/router-models"
  cp "$dir/tiny.gguf" "$dir/router-models/alpha.gguf"
  cp "$dir/tiny.gguf" "$dir/router-models/beta.gguf"
  cp "$dir/root/usr/bin/llama-server" "$dir/llama-server-router"
  patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" "$dir/llama-server-router"
  echo "llama-server (router mode: alpha, beta) on http://127.0.0.1:$port (Ctrl-C stops it)"
  export LD_LIBRARY_PATH="$lib:$lib/llama:$lib/ggml/backends0"
  exec "$dir/llama-server-router" --models-dir "$dir/router-models" --models-max 1 --host 127.0.0.1 --port "$port" \
    -c 4096 -np 2 --jinja "$@"
fi
echo "llama-server on http://127.0.0.1:$port (Ctrl-C stops it)"
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/llama:$lib/ggml/backends0" \
  "$dir/root/usr/bin/llama-server" -m "$dir/tiny.gguf" --host 127.0.0.1 --port "$port" \
  -c 20480 -np 2 --jinja --metrics --slots "$@"
