#!/usr/bin/env bash
# Sets up (skipping what is there), builds Schoolgate and runs its main job: the demo page on the
# built-in default policy, served on this machine, after the `schoolgate` CLI has shown what each
# age group gets for a few addresses (or for the addresses you pass); beside it, the school's hub
# (`schoolgate-hub`, docs/hub.md) on the embedded default (SQLite in ./hub-data).
#
#   scripts/run.sh [--no-serve] [URL...]      PORT=8080 and HUB_PORT=8787 by default
#
# Builds the CLI and the hub, and the WebAssembly package into www/pkg/ and extension/pkg/ (the
# extension folder is then ready to load unpacked in Chromium). Ctrl-C stops both servers.
set -euo pipefail
cd "$(dirname "$0")/.."

serve=true
urls=()
for arg in "$@"; do
  case "$arg" in
    --no-serve) serve=false ;;
    *) urls+=("$arg") ;;
  esac
done

bash scripts/setup.sh
cargo build --release --locked -p schoolgate-cli -p schoolgate-hub
# Status 3 is "built, but over the wasm size budget": the demo still works, so say so and go on.
bash scripts/build-wasm.sh || {
  status=$?
  ((status == 3)) || exit "$status"
  echo "warning: the wasm package is over its size budget (see above); serving it anyway" >&2
}
# The extension's generated files (the wasm as a module for initSync, the core's facts), and the
# UI shared with the demo page copied from shared-ui/ into extension/ and www/.
if [[ -f scripts/build-extension.sh ]]; then bash scripts/build-extension.sh; fi

bin=target/release/schoolgate
if ((${#urls[@]} == 0)); then
  urls=(https://www.bbc.co.uk/bitesize https://www.bet365.com/ https://www.roblox.com/games
        "https://www-tiktok-com.translate.goog/" "http://0x7f.1/" "data:text/html,hi")
fi
for group in eyfs ks1 ks2 staff; do
  echo "== $group"
  "$bin" classify --table --group "$group" "${urls[@]}"
done
echo
echo "Try: $bin classify --group ks2 URL   |   $bin --help"
echo "The extension is ready to load unpacked from $(pwd)/extension"

if $serve; then
  # The hub, on 127.0.0.1 only. While it has no account it prints a one-time first-run link that
  # makes the Designated Safeguarding Lead's account (there is no default password).
  mkdir -p target
  hub_log=target/hub-run.log
  target/release/schoolgate-hub serve --listen "127.0.0.1:${HUB_PORT:-8787}" --data hub-data >"$hub_log" 2>&1 &
  hub_pid=$!
  trap 'kill "$hub_pid" 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 1 100); do
    grep -q '^schoolgate-hub listening on ' "$hub_log" && break
    kill -0 "$hub_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 0.2 # the first-run link is the line after the address
  echo
  if grep -q '^schoolgate-hub listening on ' "$hub_log"; then
    echo "Hub (reports from the extension: reportEndpoint = <address>/api/v1/reports; docs/hub.md):"
    sed -n 's/^schoolgate-hub listening on /  address: /p; s/^first-run link/  first-run link/p' "$hub_log"
    grep -q '^first-run link' "$hub_log" || echo "  (accounts exist in ./hub-data: sign in at the address above)"
    echo "  signing key for the extension: target/release/schoolgate-hub --data hub-data signing-key add --label NAME"
    echo "  log: $hub_log"
  else
    echo "warning: the hub did not start (see $hub_log); serving the demo page without it" >&2
  fi
  echo
  echo "Demo page (built-in policy): open the address below; Ctrl-C stops it."
  node scripts/serve.mjs "${PORT:-8080}" www
fi
