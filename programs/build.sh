#!/usr/bin/env bash
# Rebuild every programs/**/*.wasm from its .wat source with `wasm-tools parse`.
# WASM_TOOLS overrides the binary; the default is the repository venv's copy,
# then whatever `wasm-tools` is on PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wt=${WASM_TOOLS:-$here/../.venv/bin/wasm-tools}
[ -x "$wt" ] || wt=$(command -v wasm-tools)
for wat in "$here"/*.wat "$here"/hello/*.wat; do
  [ -e "$wat" ] || continue
  "$wt" parse "$wat" -o "${wat%.wat}.wasm"
  "$wt" validate "${wat%.wat}.wasm"
  echo "built ${wat#$here/} -> $(basename "${wat%.wat}.wasm")"
done
