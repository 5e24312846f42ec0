#!/usr/bin/env bash
# Sets up (skipping what is there) and runs every check and test Schoolgate has.
# CI runs exactly this (.ci/run). Tests that use ../shared/data say so in their output and still
# pass without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lint (every crate, every target, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "the core builds for WebAssembly"
cargo build -p schoolgate-core --target wasm32-unknown-unknown --release --locked

step "Rust tests (unit, fixtures, property, CLI)"
cargo test --workspace --exclude schoolgate-bench --locked 2>&1 | tee target/rust-tests.log
# Benches must keep compiling, but are run by hand (see BENCHMARKS.md): speed is measured, not asserted.
cargo bench -p schoolgate-bench --no-run --locked

step "shared-data tests"
if [[ -d ../shared/data ]]; then
  echo "../shared/data present: WHATWG URL suite and list imports ran as part of the Rust tests"
else
  echo "../shared/data absent: the tests that need it printed 'skipped'"
fi

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' target/rust-tests.log | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/rust-tests.log | awk '{s+=$1} END {print s+0}')
echo
echo "rust: $passed passed, $failed failed"
