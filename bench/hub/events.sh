#!/usr/bin/env bash
# Monitoring events at a trust's scale, side by side on SQLite and PostgreSQL (BENCHMARKS.md,
# "Monitoring events at a trust's scale"):
#   bash bench/hub/events.sh [--devices 10000] [--weeks 13] [--concurrency 16] [--ingest-devices 200] [--repeat 5]
# Builds the release binary and crates/hub/examples/events_bench/, runs it on SQLite in a
# temporary directory, then on a throwaway PostgreSQL (initdb in a temporary directory, as
# bench/hub/run.sh does), and removes everything after. A full term needs ~4 GB of disk for each
# back end in turn, and 15–30 minutes on 2 cores.
set -euo pipefail
exec bash "$(dirname "$0")/run.sh" --bench events_bench "$@"
