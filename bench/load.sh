#!/usr/bin/env bash
# HTTP load on `jifen serve`: wrk against the trivial endpoint (GET /api/v1/ping) and
# against scoring (POST /api/v1/score with testdata/bench/typical-profile.json, the full
# result and the compact one of ?explain=none), one after the other, on a free port on
# 127.0.0.1. Prints requests/s of each, the ratios to ping (the issue's targets: full
# ≥ 0.7, compact ≥ 0.9) and the latencies.
#
#   bench/load.sh                      # 10 s per endpoint, 2 threads, 32 connections
#   DURATION=30s CONNECTIONS=64 bench/load.sh
#   JIFEN_BIN=target/release/jifen bench/load.sh   # no build: that binary as it is
#
# wrk runs on the same machine as the server and takes its share of the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-10s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-32}"
profile=testdata/bench/typical-profile.json

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi

# JIFEN_BIN=path: load that binary instead of building the release one.
if [ -n "${JIFEN_BIN:-}" ]; then
  jifen="$JIFEN_BIN"
else
  cargo build --release -q -p jifen
  jifen="${CARGO_TARGET_DIR:-target}/release/jifen"
fi
jifen="$(realpath -e "$jifen")"

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server"
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Its embedded database (if this build has one) in the throwaway directory, not in ./data.
(cd "$work" && unset JIFEN_DATABASE_URL && JIFEN_DATA_DIR="$work/data" exec "$jifen" serve --addr "127.0.0.1:$port") >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || { echo "jifen serve did not answer" >&2; exit 1; }

# The request must succeed, or wrk would be timing error answers.
curl -fsS -H 'content-type: application/json' --data-binary "@$profile" "$base/api/v1/score" \
  | python3 -c 'import json, sys; print("score of the typical profile:", json.load(sys.stdin)["total"])'

cat >"$work/score.lua" <<LUA
local f = assert(io.open("$PWD/$profile", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

# run NAME URL [wrk args…]: a 2 s warm-up, then the measured run; fails on any non-2xx.
run() {
  local name="$1" url="$2"
  shift 2
  wrk -t"$threads" -c"$connections" -d2s "$@" "$url" >/dev/null
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" "$url" >"$work/$name.txt"
  if grep -qE 'Non-2xx|Socket errors' "$work/$name.txt"; then
    cat "$work/$name.txt" >&2
    echo "$name: errors during the run" >&2
    exit 1
  fi
}
echo "wrk: $threads threads, $connections connections, $duration per endpoint, $(nproc) cores"
run ping "$base/api/v1/ping"
run score "$base/api/v1/score" -s "$work/score.lua"
run compact "$base/api/v1/score?explain=none" -s "$work/score.lua"

rps() { awk '/^Requests\/sec:/ { print $2 }' "$work/$1.txt"; }
p() { awk -v q="$2" '$1 == q { print $2 }' "$work/$1.txt"; }
ping_rps="$(rps ping)"
score_rps="$(rps score)"
compact_rps="$(rps compact)"
printf 'GET  /api/v1/ping                %10.0f req/s   p50 %-8s p99 %s\n' "$ping_rps" "$(p ping 50%)" "$(p ping 99%)"
printf 'POST /api/v1/score               %10.0f req/s   p50 %-8s p99 %s\n' "$score_rps" "$(p score 50%)" "$(p score 99%)"
printf 'POST /api/v1/score?explain=none  %10.0f req/s   p50 %-8s p99 %s\n' "$compact_rps" "$(p compact 50%)" "$(p compact 99%)"
awk -v s="$score_rps" -v p="$ping_rps" 'BEGIN { printf "score / ping = %.2f (target >= 0.70)\n", s / p }'
awk -v s="$compact_rps" -v p="$ping_rps" 'BEGIN { printf "compact score / ping = %.2f (target >= 0.90)\n", s / p }'
