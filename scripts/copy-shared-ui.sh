#!/usr/bin/env bash
# Copies the UI shared by the extension and the demo page, written once in shared-ui/, into both
# extension/ and www/, where each site holds it at the same relative place (so every import
# between the shared modules is right in both, and nothing is rewritten on the way):
#
#   _locales/         the words of every page, in Chrome's format (the extension's own locales too)
#   ui/               the block pages (interstitial, art, i18n, the fragment-driven block page)
#   report/           the report: model, image scrubber, exports, signing, the cover and adult's form
#   results/find.js   the search results finder (the extension's content script, the demo's preview)
#   tester/           the policy tester (the demo page's, the staff page's on the live policy)
#
# Every copy is gitignored: edit shared-ui/, then run this (scripts/build-extension.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

for site in extension www; do
  rm -rf "$site/_locales" "$site/ui" "$site/report" "$site/tester" "$site/results/find.js"
  cp -R shared-ui/_locales shared-ui/ui shared-ui/report shared-ui/tester "$site/"
  mkdir -p "$site/results"
  cp shared-ui/results/find.js "$site/results/find.js"
done
printf '\033[1m[copy-shared-ui]\033[0m %s\n' "shared-ui/ copied into extension/ and www/ (_locales, ui, report, results/find.js, tester)"
