#!/usr/bin/env bash
# The application process under load over HTTP (issue #15): release `jifen serve` on
# 127.0.0.1, and the load client (crates/web/examples/load.rs) preparing its own staff,
# employers and people, then CLIENTS people at once carrying applications through every step
# (start, draft, the checklist's scans uploaded with the form, submit, return, submit again,
# approve, file, the form PDF; then the district centre through its JSON API: the counter's
# acceptance, the personnel file requested and arrived, the verification, the review, the
# supervisor's grant; and the points notice PDF). Each application has its own person (a
# person holds one open application), so setup signs in APPLICATIONS people (two Argon2 runs
# each). Prints completed applications per second, p50/p99 per step and the servers' CPU
# time an application; fails on any 5xx, any unexpected answer, or an acknowledged step
# missing from the database afterwards.
#
#   bench/process-load.sh                    # SQLite, then PostgreSQL with two servers
#   DATABASES=sqlite bench/process-load.sh   # one of them (sqlite, postgres)
#   CLIENTS=64 APPLICATIONS=1000 SECONDS_MAX=60 LEAN=1 bench/process-load.sh
#   TINY=1 bench/process-load.sh             # 2 clients, 4 applications (CI: it still works)
#   JIFEN_BIN=… LOAD_BIN=… bench/process-load.sh   # no build: those binaries as they are
#   TRACE_SQL=1 CLIENTS=1 APPLICATIONS=5 DATABASES=sqlite bench/process-load.sh
#                                            # and the statements each application cost, by kind
#   KEEP_WORK=1 bench/process-load.sh        # keeps the servers' data and logs, and says where
#
# LEAN=1 sends only the moves; by default each move is followed by the page it redirects
# to and a party reads the page before its move, as a browser does. PostgreSQL:
# JIFEN_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the
# server; a database is created for the run and dropped after it. The client runs on the
# same machine as the servers and takes its share of the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

clients="${CLIENTS:-32}"
applications="${APPLICATIONS:-400}"
seconds="${SECONDS_MAX:-60}"
databases="${DATABASES:-sqlite postgres}"
pg_admin="${JIFEN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ -n "${TINY:-}" ]; then clients=2; applications=4; seconds=60; fi
lean=()
if [ -n "${LEAN:-}" ]; then lean=(--lean); fi
# TRACE_SQL=1: the server logs every statement (sqlx's debug log, which slows it: not for
# figures), and after the run the statements of the applications' phase are counted.
server_log=warn
if [ -n "${TRACE_SQL:-}" ]; then server_log=warn,sqlx::query=debug; fi

target="${CARGO_TARGET_DIR:-target}"
if [ -z "${JIFEN_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then
  cargo build --release -q -p jifen
  cargo build --release -q -p jifen-web --example load
fi
jifen="$(realpath -e "${JIFEN_BIN:-$target/release/jifen}")"
load="$(realpath -e "${LOAD_BIN:-$target/release/examples/load}")"

work="$(mktemp -d)"
servers=()
database=""
cleanup() {
  for pid in "${servers[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  servers=()
  if [ -n "$database" ]; then
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
    database=""
  fi
}
trap 'cleanup; [ -n "${KEEP_WORK:-}" ] && echo "work kept: $work" || rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve DATA_DIR [--database-url URL]: starts a server; sets $base.
serve() {
  local data="$1"
  shift
  local port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  mkdir -p "$data"
  (cd "$work" && exec env -u JIFEN_DATABASE_URL -u JIFEN_CONFIG JIFEN_LOG="$server_log" \
    "$jifen" serve --addr "127.0.0.1:$port" --data-dir "$data" "$@") >"$data/server.log" 2>&1 &
  servers+=("$!")
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
    kill -0 "${servers[-1]}" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "jifen serve did not answer on $base" >&2
  exit 1
}

# staff_password ROLE ARGS…: creates the district's member of staff called ROLE (clerk,
# reviewer, supervisor); prints the initial password.
staff_password() {
  local role="$1"
  shift
  env -u JIFEN_DATABASE_URL -u JIFEN_CONFIG "$jifen" admin create-user --username "$role" --role "$role" \
    --district pudong "$@" | sed -n 's/.*initial password: //p'
}

# staff ARGS…: the centre's three members of staff, as the load client's flags.
staff() {
  staff_flags=()
  for role in clerk reviewer supervisor; do
    staff_flags+=("--$role-password" "$(staff_password "$role" "$@")")
  done
}

# server_ticks: the CPU time (clock ticks, user and system) the servers have used so far.
server_ticks() {
  local total=0 pid
  for pid in "${servers[@]}"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}

# server_peak_memory: each server's peak resident memory since it started, in MB.
server_peak_memory() {
  local pid peaks=()
  for pid in "${servers[@]}"; do
    peaks+=("$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")")
  done
  echo "${peaks[*]}"
}

# run_load ARGS…: the load client (its two outputs as one); when its applications' phase
# ends, also the servers' CPU time an application over that phase (on a shared machine that
# figure moves far less from run to run than applications a second, so it is the one to
# compare two builds by), and each server's peak memory over setup and load.
run_load() {
  local before="" completed
  "$load" "$@" 2>&1 | while IFS= read -r line; do
    echo "$line"
    case "$line" in
      setup:*) before="$(server_ticks)" ;;
      *"applications completed"*)
        completed="${line#*: }"
        completed="${completed%% applications completed*}"
        if [ -n "$before" ] && [ "$completed" -gt 0 ]; then
          awk -v ticks="$(($(server_ticks) - before))" -v hz="$(getconf CLK_TCK)" -v n="$completed" 'BEGIN {
            printf "servers'"'"' CPU time: %.1f ms an application (user and system, over the %d applications)\n",
              ticks / hz / n * 1000, n }'
        fi
        echo "servers' peak memory: $(server_peak_memory) MB (resident, each server since it started)"
        ;;
    esac
  done
}

# statements_per_application LOG…: from the first application started on, the statements
# the servers ran, by their first words, each count divided by the applications started.
statements_per_application() {
  sed 's/\x1b\[[0-9;]*m//g' "$@" | awk '
    /summary="INSERT INTO applications / { started++ }
    started && match($0, /summary="[^"]*"/) { count[substr($0, RSTART + 9, RLENGTH - 10)]++; total++ }
    END {
      if (!started) { print "no application was started"; exit }
      printf "statements an application (%d started): %.1f\n", started, total / started
      for (kind in count) printf "%8.1f  %s\n", count[kind] / started, kind | "sort -rn"
    }'
}

echo "load: $clients clients, at most $applications applications or $seconds s, $(nproc) cores"
for db in $databases; do
  case "$db" in
    sqlite)
      echo "== SQLite, one server"
      data="$work/sqlite"
      staff --data-dir "$data"
      serve "$data"
      run_load --base "$base" --sms-log "$data/sms.log" --database "$data/jifen.sqlite" \
        "${staff_flags[@]}" --clients "$clients" --applications "$applications" \
        --seconds "$seconds" "${lean[@]}"
      ;;
    postgres)
      echo "== PostgreSQL, two servers"
      database="jifen_load_$$_$(date +%s)"
      psql -q "$pg_admin" -c "CREATE DATABASE $database" >/dev/null
      url="${pg_admin%/*}/$database"
      staff --data-dir "$work/pg-1" --database-url "$url"
      serve "$work/pg-1" --database-url "$url"
      first="$base"
      serve "$work/pg-2" --database-url "$url"
      run_load --base "$first" --base "$base" --sms-log "$work/pg-1/sms.log" --sms-log "$work/pg-2/sms.log" \
        --database "$url" "${staff_flags[@]}" --clients "$clients" \
        --applications "$applications" --seconds "$seconds" "${lean[@]}"
      ;;
    *)
      echo "unknown database $db (sqlite, postgres)" >&2
      exit 2
      ;;
  esac
  if [ -n "${TRACE_SQL:-}" ]; then statements_per_application "$work"/*/server.log; fi
  for data in "$work"/*/; do
    if grep -qE '"level":"ERROR"| ERROR ' "$data/server.log" 2>/dev/null; then
      echo "errors in the server log of $data:" >&2
      grep -E '"level":"ERROR"| ERROR ' "$data/server.log" | head -5 >&2
    fi
  done
  cleanup
done
