#!/usr/bin/env bash
# Runs every benchmark beside its peer; each prints its own ratios.
# Usage: bash bench/run.sh [import|ledger|check|...]
set -euo pipefail
cd "$(dirname "$0")"
which=("$@")
[ ${#which[@]} -gt 0 ] || which=($(ls -d */ | tr -d / | grep -v '^out$'))
for b in "${which[@]}"; do
  if [ -x "$b/run.sh" ] || [ -f "$b/run.sh" ]; then
    echo "=== bench/$b ==="
    bash "$b/run.sh"
  fi
done
