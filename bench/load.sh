#!/usr/bin/env bash
# HTTP load on `jifen serve`: wrk against the trivial endpoint (GET /api/v1/ping) and
# against scoring (POST /api/v1/score with testdata/bench/typical-profile.json, the full
# result and the compact one of ?explain=none), on a free port on 127.0.0.1. The three take
# turns in ROUNDS rounds of DURATION each (the order rotating), so that the machine's drift
# (a shared 2-core machine's speed moves by a third within a minute) falls on all three
# alike rather than on whichever ran last. Prints requests/s of each over all rounds, the
# ratios to ping (the issue's targets: full ≥ 0.7, compact ≥ 0.9) with each round's, and
# the latencies (median p50, worst p99 of the rounds), and the server's CPU time a request
# (user and system, from /proc; on a shared machine it moves less than requests/s, and it
# says what a ratio is bounded by: ping's figure is the floor of any answer).
#
#   bench/load.sh                      # 5 rounds of 2 s per endpoint, 2 threads, 32 connections
#   ROUNDS=10 DURATION=3s CONNECTIONS=64 bench/load.sh
#   JIFEN_BIN=target/release/jifen bench/load.sh   # no build: that binary as it is
#
# wrk runs on the same machine as the server and takes its share of the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-2s}"
rounds="${ROUNDS:-5}"
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

# check FILE: fails on any non-2xx answer or socket error in a wrk report.
check() {
  if grep -qE 'Non-2xx|Socket errors' "$1"; then
    cat "$1" >&2
    echo "$1: errors during the run" >&2
    exit 1
  fi
}
# server_ticks: the server's CPU time so far (user and system), in clock ticks.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
# run NAME ROUND: one measured run of the endpoint NAME (ping, score or compact), with the
# server's CPU ticks over it in NAME.ROUND.cpu.
run() {
  local name="$1" round="$2" url="$base/api/v1/ping" args=()
  case "$name" in
    score) url="$base/api/v1/score"; args=(-s "$work/score.lua") ;;
    compact) url="$base/api/v1/score?explain=none"; args=(-s "$work/score.lua") ;;
  esac
  local before; before="$(server_ticks)"
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "${args[@]}" "$url" >"$work/$name.$round.txt"
  echo $(($(server_ticks) - before)) >"$work/$name.$round.cpu"
  check "$work/$name.$round.txt"
}
echo "wrk: $threads threads, $connections connections, $rounds rounds of $duration per endpoint, $(nproc) cores"
# A 2 s warm-up of each, then the rounds.
for name in ping score compact; do
  duration_was="$duration"; duration=2s; run "$name" warm; duration="$duration_was"
done
order=(ping score compact)
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do run "$name" "$round"; done
  order=("${order[@]:1}" "${order[0]}")
done

python3 - "$work" "$rounds" <<'PY'
import os, re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
tick = 1 / os.sysconf("SC_CLK_TCK")

def seconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]

def report(name, round):
    text = open(f"{work}/{name}.{round}.txt").read()
    rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M).group(1))
    latency = {q: seconds(v) for q, v in re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M)}
    requests = int(re.search(r"^\s+(\d+) requests in", text, re.M).group(1))
    cpu = int(open(f"{work}/{name}.{round}.cpu").read()) * tick
    return rps, latency["50"], latency["99"], cpu / max(requests, 1)

runs = {name: [report(name, r) for r in range(1, rounds + 1)] for name in ("ping", "score", "compact")}
mean = {name: statistics.fmean(r[0] for r in runs[name]) for name in runs}
labels = {"ping": "GET  /api/v1/ping", "score": "POST /api/v1/score", "compact": "POST /api/v1/score?explain=none"}
for name, label in labels.items():
    p50 = statistics.median(r[1] for r in runs[name]) * 1e3
    p99 = max(r[2] for r in runs[name]) * 1e3
    cpu = statistics.median(r[3] for r in runs[name]) * 1e6
    print(f"{label:<32} {mean[name]:10.0f} req/s   p50 {p50:.2f}ms p99 {p99:.2f}ms   server CPU {cpu:.0f} µs a request")
for name, target, label in (("score", 0.70, "score"), ("compact", 0.90, "compact score")):
    each = [s[0] / p[0] for s, p in zip(runs[name], runs["ping"])]
    rounds_text = ", ".join(f"{x:.2f}" for x in each)
    print(f"{label} / ping = {mean[name] / mean['ping']:.2f} (target >= {target:.2f}); "
          f"rounds {rounds_text}; median {statistics.median(each):.2f}")
PY
