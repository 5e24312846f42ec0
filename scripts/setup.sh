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

# The wasm-bindgen CLI must be exactly the version crates/wasm pins (`wasm-bindgen = "=X"`).
# No --locked: its lockfile asks for crate versions newer than the registry mirror may hold.
wasm_bindgen_pin=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' crates/wasm/Cargo.toml)
wasm_bindgen_have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$wasm_bindgen_have" == "$wasm_bindgen_pin" ]]; then
  say "wasm-bindgen $wasm_bindgen_pin: present"
else
  say "installing wasm-bindgen-cli $wasm_bindgen_pin (had: ${wasm_bindgen_have:-none}; takes 3-4 minutes)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_pin"
fi

# Root privileges for apt-get: already root (CI, containers), or sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}
apt_updated=false
apt_install() {
  if ! $apt_updated; then
    as_root apt-get update
    apt_updated=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# Node runs the JS tests, the bench, the demo's server and wasm-opt (npm's binaryen).
if command -v node >/dev/null && command -v npm >/dev/null; then
  say "node $(node --version): present"
else
  say "installing nodejs and npm (Debian)"
  apt_install nodejs npm
fi

# node_modules from the lockfile: binaryen (wasm-opt), playwright-core, @ghostery/adblocker.
# npm records what it installed in node_modules/.package-lock.json; a newer package.json or
# package-lock.json means the install is out of date.
if [[ -f node_modules/.package-lock.json && ! package.json -nt node_modules/.package-lock.json &&
      ! package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "node_modules: up to date"
elif [[ -f package-lock.json ]]; then
  say "installing node_modules (npm ci)"
  npm ci --no-audit --no-fund
else
  say "installing node_modules (npm install: no lockfile yet)"
  npm install --no-audit --no-fund
fi

# Chromium and its driver for the browser tests (never a downloaded browser).
if [[ -x /usr/bin/chromium ]]; then
  say "chromium: present"
else
  say "installing chromium and chromium-driver (Debian)"
  apt_install chromium chromium-driver
fi
# Chromium's own interface languages (a pupil's Chromebook in Ukrainian: the pages follow it) and
# fonts for the pupils' pages' scripts (Arabic and Urdu, Bengali, Gurmukhi): tests/extension/locales.test.mjs.
if [[ -f /usr/lib/chromium/locales/uk.pak && -d /usr/share/fonts/truetype/noto ]]; then
  say "chromium-l10n and fonts-noto-core: present"
else
  say "installing chromium-l10n and fonts-noto-core (Debian)"
  apt_install chromium-l10n fonts-noto-core
fi

# PostgreSQL for the hub's tests: every hub test runs on SQLite and on a throwaway PostgreSQL
# server that the tests start themselves (initdb in a temp directory, 127.0.0.1, a free port).
# Only the binaries are needed; the package's own service is not used.
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  say "postgresql: present"
else
  say "installing postgresql (Debian; the hub's tests start their own server)"
  apt_install postgresql
fi

# The sqlite3 command: the hub's end-to-end test of a hub that was down reads what the hub stored
# straight from its database (tests/hub-e2e/hub-down-events.test.mjs).
if command -v sqlite3 >/dev/null; then
  say "sqlite3: present"
else
  say "installing sqlite3 (Debian)"
  apt_install sqlite3
fi
