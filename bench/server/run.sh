#!/usr/bin/env bash
# `npm run bench:server`: raises the open-file limit for 2,000 sockets per side, then runs the bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
want=8192
if [ "$(ulimit -n)" != "unlimited" ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
exec npx tsx bench/server/run.ts "$@"
