#!/usr/bin/env bash
# Sets up (skipping what is there), builds Schoolgate and runs its main job.
# Today the main job is the `schoolgate` CLI on the built-in default policy: it shows what each
# age group gets for a few addresses, or for the addresses you pass (`scripts/run.sh URL...`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p schoolgate-cli
bin=target/release/schoolgate
if (($#)); then urls=("$@"); else
  urls=(https://www.bbc.co.uk/bitesize https://www.bet365.com/ https://www.roblox.com/games
        "https://www-tiktok-com.translate.goog/" "http://0x7f.1/" "data:text/html,hi")
fi
for group in eyfs ks1 ks2 staff; do
  echo "== $group"
  "$bin" classify --group "$group" "${urls[@]}"
done
echo
echo "Try: $bin classify --group ks2 URL   |   $bin --help"
