#!/usr/bin/env bash
# The hub's benchmark, side by side on SQLite and PostgreSQL (BENCHMARKS.md, "The hub"):
#   bash bench/hub/run.sh [--reports 100000] [--concurrency 32] [--measure 10000]
# Builds the release binary and crates/hub/examples/hub_bench.rs, runs it on SQLite in a temporary
# directory, then on a throwaway PostgreSQL (initdb in a temporary directory, 127.0.0.1, a free
# port; as the postgres user when run as root), and removes everything after.
# `--bench events_bench` (first) runs another of the hub's benches the same way (bench/hub/events.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
name=hub_bench
if [[ ${1:-} == --bench ]]; then name=$2; shift 2; fi
cargo build --release --locked -p schoolgate-hub --bins --examples
bench=target/release/examples/$name
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before"
"$bench" "$@"

pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" ]]; then
  echo "PostgreSQL is not installed (scripts/setup.sh installs it): PostgreSQL half skipped"
  exit 0
fi
dir=$(mktemp -d)
as=()
if [[ $(id -u) == 0 ]]; then chown postgres: "$dir"; as=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 >"$dir/initdb.log"
stop() { "${as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -s -m fast stop || true; rm -rf "$dir"; }
trap stop EXIT
"${as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -w -s -l "$dir/server.log" \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"  start
"${as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres hub_bench
"$bench" --database "postgres://postgres@127.0.0.1:$port/hub_bench" "$@"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after"
