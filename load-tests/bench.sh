#!/usr/bin/env bash
# The side-by-side benchmark: OrderEngine on SQLite, then on PostgreSQL, against the PostgreSQL row-lock baseline
# (../shared/bench/pg-baseline.sh), same machine, same run, same client count; prints engine/baseline ratios and the
# figures the performance targets are stated in.
#
# usage: load-tests/bench.sh [CLIENTS] [SECONDS] [UNITS] [SKUS] [FEED_ORDERS]
#   defaults: 64 clients, 20 s per marketplace run, 100,000 units in the flash sale (the baseline sells the same
#   number), 100,000 marketplace SKUs, 100,000 orders in the channel feed.
# env: SCENARIOS="flash market feed cold" (the default set; add soak, or give a subset; the baseline runs only with
#        flash or market)
#      BACKENDS="sqlite postgres"   CLIENT=raw|httpclient (the load tool's HTTP client)
#      FLASH_MAX_SECONDS=600 (the flash sale runs until sold out + 5 s of refusals, at most this long)
#      FEED_FEEDS=1 FEED_SKUS=10000 (the feed: concurrent feeds, one channel each; SKUs)
#      COLD_UNITS=10000000 COLD_SECONDS=60 COLD_SPLIT=30 (cold: a flash sale on a just-started engine, no warm-up;
#        units/s of the first COLD_SPLIT seconds against the rest)
#      SOAK_DURATION=10m SOAK_WINDOW=60s (soak: the Zipf marketplace for SOAK_DURATION on a fresh engine, per-window
#        orders/s and engine RSS against the first window)
#      RUSH_SECONDS=120 RUSH_PEAK_RATE=3 RUSH_TIME_SCALE=30 RUSH_RESTAURANTS=20 RUSH_COURIERS=30 RUSH_DRAIN=60s (rush: the
#        restaurant dispatch rush, earliest-pickup against naive in the same run, on a fresh engine started with the
#        time-compressed dispatch settings the load tool prints: restaurant-rush --print-engine-env)
# Scenarios: flash = one hot SKU until sold out (units/s, p99 while selling, refusals/s after the sell-out and their
# p99); market = Zipf marketplace; feed = 100k-order NDJSON channel feed (no baseline counterpart: quoted against the
# marketplace orders/s of the same engine and backend); cold = first seconds of a fresh engine; soak = flat over time;
# rush = restaurant dispatch at the dinner rush (not in the default set: SCENARIOS="rush").
# Durable settings everywhere: SQLite WAL synchronous=FULL; PostgreSQL fsync=on, synchronous_commit=on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/.." && pwd)
source "$here/lib.sh"
baseline=${PG_BASELINE:-$root/../shared/bench/pg-baseline.sh}
clients=${1:-64}; seconds=${2:-20}; units=${3:-100000}; skus=${4:-100000}; feed_orders=${5:-100000}
scenarios=" ${SCENARIOS:-flash market feed cold} "; backends=${BACKENDS:-sqlite postgres}; client=${CLIENT:-raw}
feed_feeds=${FEED_FEEDS:-1}; feed_skus=${FEED_SKUS:-10000}; flash_max=${FLASH_MAX_SECONDS:-600}
cold_units=${COLD_UNITS:-10000000}; cold_seconds=${COLD_SECONDS:-60}; cold_split=${COLD_SPLIT:-30}
soak_duration=${SOAK_DURATION:-10m}; soak_window=${SOAK_WINDOW:-60s}
flash_args=${FLASH_ARGS:-}  # extra flash-sale options of the measured flash run, e.g. FLASH_ARGS=--address
rush_seconds=${RUSH_SECONDS:-120}; rush_peak=${RUSH_PEAK_RATE:-3}; rush_scale=${RUSH_TIME_SCALE:-30}
rush_restaurants=${RUSH_RESTAURANTS:-20}; rush_couriers=${RUSH_COURIERS:-30}; rush_drain=${RUSH_DRAIN:-60s}
want() { [[ $scenarios == *" $1 "* ]]; }
work=$(mktemp -d -t orderengine-bench.XXXXXX); chmod 711 "$work"  # the postgres user must reach its data folder
report_dir=${REPORT_DIR:-$root/load-tests/reports/bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$report_dir"
url=http://127.0.0.1:$(free_port)

cleanup() { stop_engine || true; stop_postgres immediate; rm -rf "$work"; }
trap cleanup EXIT

build_release
load() { load_tool "$@" --url "$url" --report-dir "$report_dir" --client "$client" --quiet; }
latest_json() { ls -t "$report_dir"/"$1"-*.json 2>/dev/null | head -1; }

field() { sed -n "s|.*[ (]$1=\([0-9.]*\).*|\1|p" <<<"$2" | head -1; }
p99_of() { sed -n 's/.*latency[^:]*: n=[0-9]* avg=[0-9.]*ms p50=[0-9.]*ms p99=\([0-9.]*\)ms.*/\1/p' <<<"$1" | head -1; }
rejection_p99() { sed -n 's/.*rejections(after sell-out): refusals\/s=[0-9]* over=[0-9.]*s n=[0-9]* avg=[0-9.]*ms p50=[0-9.]*ms p99=\([0-9.]*\)ms.*/\1/p' <<<"$1" | head -1; }
check_of() { sed -n 's/.*check=\([A-Z]*\).*/\1/p' <<<"$1" | head -1; }
ack_p99() { sed -n 's/.* ack-latency: n=[0-9]* avg=[0-9.]*ms p50=[0-9.]*ms p99=\([0-9.]*\)ms.*/\1/p' <<<"$1" | head -1; }
word() { sed -n "s|.* $1=\([^ ]*\).*|\1|p" <<<"$2" | head -1; }

per_second() { python3 "$here/report_figures.py" per-second "$1"; }
windows_of() { python3 "$here/report_figures.py" windows "$1"; }

declare -A R

run_cold() { # <label> [engine env...]: a fresh engine, no warm-up, a flash sale that lasts the whole run.
  local cold json
  echo "== $1: cold start (fresh engine, no warm-up)" >&2
  start_engine "cold-$1" "${@:2}"
  cold=$(load flash-sale --units "$cold_units" --clients "$clients" --duration "${cold_seconds}s" --split-at "${cold_split}s" \
    --warmup 0 --engine-pid "$engine_pid" | tail -1); echo "$cold"
  stop_engine
  json=$(latest_json flash-sale)
  R[$1.cold.early]=$(field early-units/s "$cold"); R[$1.cold.steady]=$(field steady-units/s "$cold")
  R[$1.cold.ratio]=$(word early/steady "$cold"); R[$1.cold.check]=$(check_of "$cold")
  R[$1.cold.series]=$(per_second "$json")
}

run_engine_scenarios() { # <label>: flash, market, feed on one engine, after a warm-up.
  local flash market feed
  # Unmeasured warm-up on its own SKUs, so the figures are of a warm engine (JIT tiers, pools), not of its first seconds.
  load flash-sale --units 1000000 --clients "$clients" --duration 10s --warmup 0 >/dev/null
  if want flash; then
    flash=$(load flash-sale --units "$units" --clients "$clients" --after-sellout 5s --duration "${flash_max}s" --engine-pid "$engine_pid" $flash_args | tail -1); echo "$flash"
    R[$1.flash]=$(field units/s "$flash"); R[$1.flash.p99]=$(p99_of "$flash"); R[$1.flash.check]=$(check_of "$flash")
    R[$1.flash.sold]=$(field sold "$flash"); R[$1.flash.gen]=$(field gen-us/req "$flash")
    R[$1.refusals]=$(field refusals/s "$flash"); R[$1.refusals.p99]=$(rejection_p99 "$flash")
  fi
  if want market; then
    market=$(load marketplace --dist zipf --skus "$skus" --clients "$clients" --duration "${seconds}s" --setup-parallelism 64 --engine-pid "$engine_pid" | tail -1); echo "$market"
    R[$1.market]=$(field orders/s "$market"); R[$1.market.p99]=$(p99_of "$market"); R[$1.market.check]=$(check_of "$market")
    R[$1.market.gen]=$(field gen-us/req "$market")
  fi
  if want feed; then
    feed=$(load feed --orders "$feed_orders" --feeds "$feed_feeds" --skus "$feed_skus" --setup-parallelism 64 --engine-pid "$engine_pid" | tail -1); echo "$feed"
    R[$1.feed]=$(field ingest-orders/s "$feed"); R[$1.feed.p99]=$(ack_p99 "$feed"); R[$1.feed.check]=$(check_of "$feed")
    R[$1.replay]=$(field replay-orders/s "$feed")
  fi
}

run_soak() { # <label> [engine env...]: a fresh engine, warmed up, then the Zipf marketplace for SOAK_DURATION.
  local soak
  echo "== $1: soak ($soak_duration, ${soak_window} windows)" >&2
  # Reservations are held for a day, so the check after the soak still finds every one (none expire mid-run; with
  # the default 15 minutes, a soak longer than that would see reservations expire and the check fail).
  start_engine "soak-$1" "${@:2}" "OrderEngine__Orders__HoldTime=1.00:00:00"
  load flash-sale --units 1000000 --clients "$clients" --duration 10s --warmup 0 >/dev/null
  soak=$(load marketplace --dist zipf --skus "$skus" --stock 1000000000 --clients "$clients" --duration "$soak_duration" \
    --window "$soak_window" --setup-parallelism 64 --engine-pid "$engine_pid" | tail -1); echo "$soak"
  stop_engine
  R[$1.soak]=$(word flat "$soak"); R[$1.soak.check]=$(check_of "$soak"); R[$1.soak.orders]=$(field orders/s "$soak")
  R[$1.soak.windows]=$(windows_of "$(latest_json marketplace)")
}

run_rush() { # <label> [engine env...]: a fresh engine with the rush's time-compressed dispatch settings, then the rush.
  local rush env opts
  opts=(--restaurants "$rush_restaurants" --couriers "$rush_couriers" --peak-rate "$rush_peak" --time-scale "$rush_scale"
        --duration "${rush_seconds}s" --drain "$rush_drain")
  # The tool starts nothing: it prints the engine configuration the run needs (speeds x scale, minutes / scale, ...).
  mapfile -t env < <(load_tool restaurant-rush "${opts[@]}" --print-engine-env)
  echo "== $1: restaurant rush, earliest-pickup vs naive (engine: ${env[*]})" >&2
  start_engine "rush-$1" "${@:2}" "${env[@]}"
  # A failed check is reported in the summary (check=FAIL), not a reason to abandon the other runs.
  rush=$(load restaurant-rush "${opts[@]}" --warmup 0 --engine-pid "$engine_pid" | tail -1) || true; echo "$rush"
  stop_engine
  R[$1.rush]=${rush#*: }; R[$1.rush.check]=$(check_of "$rush")
}

main_sets() { want flash || want market || want feed; }
for db in $backends; do
  case $db in
    sqlite)
      want cold && run_cold sqlite
      if main_sets; then echo "== OrderEngine on SQLite" >&2; start_engine sqlite; run_engine_scenarios sqlite; stop_engine; fi
      want soak && run_soak sqlite
      want rush && run_rush sqlite
      ;;
    postgres)
      start_postgres
      want cold && run_cold postgres OrderEngine__Persistence__Provider=PostgreSql "OrderEngine__Persistence__ConnectionString=$(pg_database orderengine_cold)"
      if main_sets; then
        echo "== OrderEngine on PostgreSQL" >&2
        start_engine postgres OrderEngine__Persistence__Provider=PostgreSql "OrderEngine__Persistence__ConnectionString=$(pg_database orderengine)"
        run_engine_scenarios postgres; stop_engine
      fi
      want soak && run_soak postgres OrderEngine__Persistence__Provider=PostgreSql "OrderEngine__Persistence__ConnectionString=$(pg_database orderengine_soak)"
      want rush && run_rush postgres OrderEngine__Persistence__Provider=PostgreSql "OrderEngine__Persistence__ConnectionString=$(pg_database orderengine_rush)"
      stop_postgres fast
      ;;
    *) echo "unknown backend '$db' in BACKENDS (sqlite, postgres)" >&2; exit 2 ;;
  esac
done

if want flash || want market; then
  echo "== baseline: PostgreSQL row locks" >&2
  if want flash; then
    bflash=$("$baseline" flash_single_stmt "$clients" "$seconds" "$units" | tail -1); echo "$bflash"
    R[base.flash]=$(field units/s "$bflash"); R[base.flash.sold]=$(field sold "$bflash")
    R[base.flash.p99]=$(sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p' <<<"$bflash" | head -1)
  fi
  if want market; then
    bmarket=$("$baseline" marketplace_zipf "$clients" "$seconds" | tail -1); echo "$bmarket"
    R[base.market]=$(field orders/s "$bmarket"); R[base.market.p99]=$(sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p' <<<"$bmarket" | head -1)
  fi
fi

ratio() { python3 -c "a,b='$1','$2'; print(f'{float(a)/float(b):.2f}x' if a and b and float(b)>0 else 'n/a')"; }
# target <label> <value> <at least> [<p99> <at most>]: "label: yes|no" ("-" when there is no figure).
target() { python3 -c "
import sys
label, v, lo = sys.argv[1:4]; p99, hi = (sys.argv[4:6] + ['', ''])[:2]
num = lambda x: float(x) if x not in ('', 'n/a', '-') else None
if num(v) is None: print(label + ': -'); sys.exit()
ok = num(v) >= float(lo) and (not hi or (num(p99) is not None and num(p99) <= float(hi)))
print(label + ': ' + ('yes' if ok else 'no'))" "$@"; }
row() { printf '%-38s %12s %10s %12s %10s %8s\n' "$@"; }
set +u
{
  echo
  echo "OrderEngine benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); clients=$clients, load client=$client"
  if want flash || want market; then
    row scenario engine p99ms baseline p99ms ratio
    for db in $backends; do
      want flash && row "flash sale units/s ($db)" "${R[$db.flash]}" "${R[$db.flash.p99]}" "${R[base.flash]}" "${R[base.flash.p99]}" "$(ratio "${R[$db.flash]}" "${R[base.flash]}")"
      want market && row "marketplace zipf orders/s ($db)" "${R[$db.market]}" "${R[$db.market.p99]}" "${R[base.market]}" "${R[base.market.p99]}" "$(ratio "${R[$db.market]}" "${R[base.market]}")"
      want flash && row "refusals after sell-out /s ($db)" "${R[$db.refusals]}" "${R[$db.refusals.p99]}" "-" "-" "-"
    done
    if want flash; then
      echo "flash sale: $units units; sold by the engine: $(for db in $backends; do printf '%s %s  ' "$db" "${R[$db.flash.sold]}"; done)baseline ${R[base.flash.sold]} (in ${seconds} s; units/s over each one's selling window)"
    fi
  fi
  if want feed; then
    echo "channel feed ($feed_orders orders, $feed_feeds feed(s)); no baseline counterpart: ratio = feed orders/s / marketplace orders/s, same backend, same run"
    printf '%-38s %12s %14s %12s %12s\n' scenario orders/s ack-p99ms replay/s vs-market
    for db in $backends; do
      printf '%-38s %12s %14s %12s %12s\n' "feed ingest orders/s ($db)" "${R[$db.feed]}" "${R[$db.feed.p99]}" "${R[$db.replay]}" "$(ratio "${R[$db.feed]}" "${R[$db.market]}")"
    done
  fi
  if want cold; then
    echo "cold start: fresh engine, no warm-up, flash sale of $cold_units units for ${cold_seconds} s; units/s of the first ${cold_split} s against the rest (target >= 0.80)"
    printf '%-38s %12s %12s %10s\n' scenario "0-${cold_split}s" "${cold_split}s-end" early/steady
    for db in $backends; do
      printf '%-38s %12s %12s %10s\n' "cold start units/s ($db)" "${R[$db.cold.early]}" "${R[$db.cold.steady]}" "${R[$db.cold.ratio]}"
      echo "  units/s per second: ${R[$db.cold.series]}"
    done
  fi
  if want soak; then
    echo "soak: Zipf marketplace for $soak_duration on a fresh warmed-up engine; each ${soak_window} window against the first (flat: within +-10% on orders/s and engine RSS)"
    for db in $backends; do
      echo "soak ($db): orders/s=${R[$db.soak.orders]} flat=${R[$db.soak]}"
      echo "${R[$db.soak.windows]}"
    done
  fi
  if want rush; then
    echo "restaurant rush: $rush_restaurants restaurants, $rush_couriers couriers per zone, Poisson orders to $rush_peak/s at the middle of ${rush_seconds} s, time x$rush_scale; the two zones side by side (assignment latency in real s of the compressed run)"
    for db in $backends; do echo "  rush ($db): ${R[$db.rush]:--}"; done
  fi
  # The performance issue's targets against this run's figures ("-" where the scenario did not run).
  echo "targets:"
  for db in $backends; do
    echo "  $db: $(target "flash >=10x baseline, p99<=20ms" "$(ratio "${R[$db.flash]}" "${R[base.flash]}" | tr -d x)" 10 "${R[$db.flash.p99]}" 20)" \
      "| $(target "market >=3x, p99<=50ms" "$(ratio "${R[$db.market]}" "${R[base.market]}" | tr -d x)" 3 "${R[$db.market.p99]}" 50)" \
      "| $(target "refusals >=20000/s, p99<=10ms" "${R[$db.refusals]}" 20000 "${R[$db.refusals.p99]}" 10)" \
      "| $(target "feed >=10000/s" "${R[$db.feed]}" 10000)" \
      "| $(target "cold >=0.80" "${R[$db.cold.ratio]}" 0.8)" \
      "| soak flat: ${R[$db.soak]:--}"
  done
  gen=""; for db in $backends; do gen+="$db flash ${R[$db.flash.gen]:--} market ${R[$db.market.gen]:--}; "; done
  echo "load generator CPU per request (us, measured phase): $gen"
  checks=""; for db in $backends; do checks+="$db flash ${R[$db.flash.check]:--} market ${R[$db.market.check]:--} feed ${R[$db.feed.check]:--} cold ${R[$db.cold.check]:--} soak ${R[$db.soak.check]:--} rush ${R[$db.rush.check]:--}; "; done
  echo "invariant checks: $checks"
  echo "reports: $report_dir"
} | tee "$report_dir/summary.txt"
