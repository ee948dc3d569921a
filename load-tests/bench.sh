#!/usr/bin/env bash
# The side-by-side benchmark: OrderEngine on SQLite, then on PostgreSQL, against the PostgreSQL row-lock baseline
# (../shared/bench/pg-baseline.sh), same machine, same run, same client count; prints engine/baseline ratios.
#
# usage: load-tests/bench.sh [CLIENTS] [SECONDS] [UNITS] [SKUS] [FEED_ORDERS]
#   defaults: 64 clients, 20 s per marketplace run, 10,000 units in the flash sale, 100,000 marketplace SKUs,
#   100,000 orders in the channel feed (streamed to POST /api/channels/{channel}/feed, then fed again).
# env: SCENARIOS="flash market feed" (a subset runs only those; the baseline runs only with flash or market),
#      FEED_FEEDS=1 (concurrent feeds, one channel each), FEED_SKUS=10000.
# The feed has no counterpart in pg-baseline: its figures are quoted against the marketplace orders/s of the same
# engine and backend in the same run.
# Durable settings everywhere: SQLite WAL synchronous=FULL; PostgreSQL fsync=on, synchronous_commit=on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/.." && pwd)
baseline=${PG_BASELINE:-$root/../shared/bench/pg-baseline.sh}
clients=${1:-64}; seconds=${2:-20}; units=${3:-10000}; skus=${4:-100000}; feed_orders=${5:-100000}
scenarios=" ${SCENARIOS:-flash market feed} "; feed_feeds=${FEED_FEEDS:-1}; feed_skus=${FEED_SKUS:-10000}
want() { [[ $scenarios == *" $1 "* ]]; }
work=$(mktemp -d -t orderengine-bench.XXXXXX); chmod 711 "$work"  # the postgres user must reach its data folder
report_dir=${REPORT_DIR:-$root/load-tests/reports/bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$report_dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
engine_pid=; pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
stop_engine() { [ -n "$engine_pid" ] && kill "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null; engine_pid=; }
cleanup() {
  stop_engine || true
  [ -d "$work/pg/data" ] && as_pg "$pg_bin/pg_ctl -D $work/pg/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building (Release)..." >&2
dotnet build -c Release "$root/src/OrderEngine.Api" -v q -nologo >/dev/null
dotnet build -c Release "$root/load-tests/OrderEngine.LoadTests" -v q -nologo >/dev/null
load() { dotnet "$root/load-tests/OrderEngine.LoadTests/bin/Release/net10.0/OrderEngine.LoadTests.dll" "$@" --url "$url" --report-dir "$report_dir" --quiet; }

start_engine() { # start_engine <name> [env...]
  mkdir -p "$work/$1"
  (cd "$work/$1" && exec env "${@:2}" dotnet "$root/src/OrderEngine.Api/bin/Release/net10.0/OrderEngine.Api.dll" --urls "$url" >"$work/$1/engine.log" 2>&1) &
  engine_pid=$!
  for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "engine $1 did not become ready; its log:" >&2; tail -30 "$work/$1/engine.log" >&2; exit 2
}

start_postgres() {
  [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 2; }
  mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  local pgport; pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$pg_bin/initdb -D $work/pg/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  printf "listen_addresses='127.0.0.1'\nport=%s\nunix_socket_directories='%s'\nmax_connections=200\nshared_buffers=1GB\nmax_wal_size=4GB\nsynchronous_commit=on\nfsync=on\n" "$pgport" "$work/pg" >> "$work/pg/data/postgresql.conf"
  as_pg "$pg_bin/pg_ctl -D $work/pg/data -l $work/pg/log -w start" >/dev/null
  "$pg_bin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -q -c "create database orderengine" >/dev/null
  pg_conn="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=orderengine"
}

field() { sed -n "s|.*[ (]$1=\([0-9.]*\).*|\1|p" <<<"$2" | head -1; }
p99_of() { sed -n 's/.*latency[^:]*: n=[0-9]* avg=[0-9.]*ms p50=[0-9.]*ms p99=\([0-9.]*\)ms.*/\1/p' <<<"$1" | head -1; }
rejection_p99() { sed -n 's/.*rejections(after sell-out): n=[0-9]* avg=[0-9.]*ms p50=[0-9.]*ms p99=\([0-9.]*\)ms.*/\1/p' <<<"$1" | head -1; }
check_of() { sed -n 's/.*check=\([A-Z]*\).*/\1/p' <<<"$1" | head -1; }
ack_p99() { sed -n 's/.* ack-latency: n=[0-9]* avg=[0-9.]*ms p50=[0-9.]*ms p99=\([0-9.]*\)ms.*/\1/p' <<<"$1" | head -1; }

declare -A R
run_engine_scenarios() { # <label>
  local flash market feed
  # Unmeasured warm-up on its own SKUs, so the figures are of a warm engine (JIT tiers, pools), not of its first seconds.
  load flash-sale --units 1000000 --clients "$clients" --duration 10s --warmup 0 >/dev/null
  if want flash; then
    flash=$(load flash-sale --units "$units" --clients "$clients" --after-sellout 3s | tail -1); echo "$flash"
    R[$1.flash]=$(field units/s "$flash"); R[$1.flash.p99]=$(p99_of "$flash"); R[$1.flash.rej.p99]=$(rejection_p99 "$flash"); R[$1.flash.check]=$(check_of "$flash")
  fi
  if want market; then
    market=$(load marketplace --dist zipf --skus "$skus" --clients "$clients" --duration "${seconds}s" --setup-parallelism 64 | tail -1); echo "$market"
    R[$1.market]=$(field orders/s "$market"); R[$1.market.p99]=$(p99_of "$market"); R[$1.market.check]=$(check_of "$market")
  fi
  if want feed; then
    feed=$(load feed --orders "$feed_orders" --feeds "$feed_feeds" --skus "$feed_skus" --setup-parallelism 64 --engine-pid "$engine_pid" | tail -1); echo "$feed"
    R[$1.feed]=$(field ingest-orders/s "$feed"); R[$1.feed.p99]=$(ack_p99 "$feed"); R[$1.feed.check]=$(check_of "$feed")
    R[$1.replay]=$(field replay-orders/s "$feed")
  fi
}

echo "== OrderEngine on SQLite" >&2
start_engine sqlite
run_engine_scenarios sqlite
stop_engine

echo "== OrderEngine on PostgreSQL" >&2
start_postgres
start_engine postgres OrderEngine__Persistence__Provider=PostgreSql "OrderEngine__Persistence__ConnectionString=$pg_conn"
run_engine_scenarios postgres
stop_engine
as_pg "$pg_bin/pg_ctl -D $work/pg/data -m fast stop" >/dev/null 2>&1 || true

if want flash || want market; then
  echo "== baseline: PostgreSQL row locks" >&2
  bflash=$("$baseline" flash_single_stmt "$clients" "$seconds" "$units" | tail -1); echo "$bflash"
  bmarket=$("$baseline" marketplace_zipf "$clients" "$seconds" | tail -1); echo "$bmarket"
  R[base.flash]=$(field units/s "$bflash"); R[base.market]=$(field orders/s "$bmarket")
  R[base.flash.p99]=$(sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p' <<<"$bflash" | head -1); R[base.market.p99]=$(sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p' <<<"$bmarket" | head -1)
fi

ratio() { python3 -c "a,b='$1','$2'; print(f'{float(a)/float(b):.2f}x' if a and b and float(b)>0 else 'n/a')"; }
set +u
{
  echo
  echo "OrderEngine benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); clients=$clients"
  printf '%-34s %12s %10s %12s %10s %8s\n' scenario engine p99ms baseline p99ms ratio
  for db in sqlite postgres; do
    if want flash; then printf '%-34s %12s %10s %12s %10s %8s\n' "flash sale units/s ($db)" "${R[$db.flash]}" "${R[$db.flash.p99]}" "${R[base.flash]}" "${R[base.flash.p99]}" "$(ratio "${R[$db.flash]}" "${R[base.flash]}")"; fi
    if want market; then printf '%-34s %12s %10s %12s %10s %8s\n' "marketplace zipf orders/s ($db)" "${R[$db.market]}" "${R[$db.market.p99]}" "${R[base.market]}" "${R[base.market.p99]}" "$(ratio "${R[$db.market]}" "${R[base.market]}")"; fi
  done
  if want feed; then
    echo "channel feed ($feed_orders orders, $feed_feeds feed(s)); no baseline counterpart: ratio = feed orders/s / marketplace orders/s, same backend, same run"
    printf '%-34s %12s %14s %12s %12s\n' scenario orders/s ack-p99ms replay/s vs-market
    for db in sqlite postgres; do
      printf '%-34s %12s %14s %12s %12s\n' "feed ingest orders/s ($db)" "${R[$db.feed]}" "${R[$db.feed.p99]}" "${R[$db.replay]}" "$(ratio "${R[$db.feed]}" "${R[$db.market]}")"
    done
  fi
  if want flash; then echo "rejections after sell-out p99 ms: sqlite ${R[sqlite.flash.rej.p99]}, postgres ${R[postgres.flash.rej.p99]}"; fi
  echo "invariant checks: sqlite flash ${R[sqlite.flash.check]:--} market ${R[sqlite.market.check]:--} feed ${R[sqlite.feed.check]:--}; postgres flash ${R[postgres.flash.check]:--} market ${R[postgres.market.check]:--} feed ${R[postgres.feed.check]:--}"
  echo "reports: $report_dir"
} | tee "$report_dir/summary.txt"
