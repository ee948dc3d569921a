#!/usr/bin/env bash
# The stock benchmark, before and after: what one sale (reserve + commit) costs a stock entity holding 0, 10,000,
# 100,000 and 1,000,000 open reservations, for the decider path and for the StockActor on an in-memory journal,
# snapshots included. Builds load-tests/OrderEngine.StockBench twice, against src/ of a baseline commit (a copy in a
# temporary folder; default: where this branch left main) and against this tree, runs one after the other on the
# same machine and prints both tables and the ratios.
#
# usage: load-tests/stock-bench.sh [SIZES] [SECONDS_PER_REP] [REPS]
#   defaults: 0,10000,100000,1000000; 1.5 s; 3 repetitions.   env: BASE=<commit> (baseline), AFTER_ONLY=1.
# About 1.5 minutes per build on 2 cores (most of it the 1,000,000-reservation size), plus the two builds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/.." && pwd)
sizes=${1:-0,10000,100000,1000000}; seconds=${2:-1.5}; reps=${3:-3}
base=${BASE:-$(git -C "$root" merge-base HEAD main)}
work=$(mktemp -d -t orderengine-stockbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=${REPORT_DIR:-$root/load-tests/reports/stock-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
head=$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src || echo "+changes")

run() { # label commit project-dir
  dotnet build -c Release -v q -nologo "$3" >"$out/build-$1.log" 2>&1 || { cat "$out/build-$1.log"; exit 1; }
  dotnet "$3/bin/Release/net10.0/OrderEngine.StockBench.dll" run --label "$1" --commit "$2" \
    --sizes "$sizes" --seconds "$seconds" --reps "$reps" --out "$out/$1.json" | tee "$out/$1.md"
}

if [ -z "${AFTER_ONLY:-}" ]; then
  # The baseline's own src/ with this tree's benchmark source: the benchmark uses only APIs both have.
  git -C "$root" archive "$base" src/OrderEngine.Domain src/OrderEngine.Engine deploy/sql \
    Directory.Build.props Directory.Packages.props | tar -x -C "$work"
  mkdir -p "$work/load-tests"
  (cd "$here" && tar --exclude=bin --exclude=obj -cf - OrderEngine.StockBench) | tar -x -C "$work/load-tests"
  run before "$(git -C "$root" rev-parse --short "$base")" "$work/load-tests/OrderEngine.StockBench"
fi
run after "$head" "$here/OrderEngine.StockBench"

if [ -z "${AFTER_ONLY:-}" ]; then
  dotnet "$here/OrderEngine.StockBench/bin/Release/net10.0/OrderEngine.StockBench.dll" compare "$out/before.json" "$out/after.json" \
    | tee "$out/comparison.md"
fi
echo "reports: $out"
