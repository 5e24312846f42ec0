#!/usr/bin/env bash
# Installs what Schoolgate needs on a fresh Debian machine, skipping whatever is already there.
# Safe to run again and again; `run.sh` and `test.sh` both start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Rust: the core must also build for WebAssembly (the extension and the demo page run it there).
if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown: present"
else
  say "installing rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    say "rust component $component: present"
  else
    say "installing rust component $component"
    rustup component add "$component"
  fi
done
