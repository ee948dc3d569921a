#!/usr/bin/env bash
# The engine's per-order CPU budget, from a profile: starts a fresh engine (Release, perf maps on), warms it up, runs a
# load-tool scenario against it, records `perf record -g` of the engine for a window in the middle of the measured
# phase, and attributes the samples to components (HTTP, JSON, routing/messaging, persistence, OrderEngine, GC, JIT,
# kernel, other; perf_budget.py says how). Prints µs of engine CPU per order per component, the load generator's
# µs per request and, on PostgreSQL, the database server's µs per order, all over the same window.
#
# usage: load-tests/profile.sh SCENARIO [load-tool options...]
#   e.g. load-tests/profile.sh flash-sale --units 2000000 --clients 64 --duration 40s
#        load-tests/profile.sh marketplace --dist zipf --skus 20000 --clients 64 --duration 40s
#        BACKEND=postgres load-tests/profile.sh flash-sale --units 2000000 --duration 40s
# env: BACKEND=sqlite|postgres   PROFILE_DELAY=10 (s after the measured phase starts)   PROFILE_SECONDS=10 (window)
#      PROFILE_HZ=999   WARMUP=10s (an unmeasured flash sale first, as bench.sh does; 0 for none)
#      PROFILE_DIR (default load-tests/reports/profile-<time>: perf.data, the stacks, the tool's report, profile.txt)
# The scenario's options must make it last at least PROFILE_DELAY + PROFILE_SECONDS (a flash sale needs enough units).
# Needs perf (Debian: apt-get install linux-perf) and permission to profile the engine (root, or
# kernel.perf_event_paranoid <= 1). Where the CPU has no hardware counters (most VMs), the cpu-clock event is used.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/.." && pwd)
source "$here/lib.sh"
[ $# -ge 1 ] || { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
scenario=$1; shift
backend=${BACKEND:-sqlite}; delay=${PROFILE_DELAY:-10}; window=${PROFILE_SECONDS:-10}; hz=${PROFILE_HZ:-999}; warmup=${WARMUP:-10s}
out=${PROFILE_DIR:-$root/load-tests/reports/profile-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

if ! command -v perf >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "perf is missing: installing linux-perf" >&2
    apt-get install -y -q linux-perf >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q linux-perf >/dev/null; }
  fi
  command -v perf >/dev/null || { echo "perf not found (Debian: apt-get install linux-perf)" >&2; exit 2; }
fi
perf stat -e task-clock true >/dev/null 2>&1 || { echo "perf cannot count events here (kernel.perf_event_paranoid? run as root)" >&2; exit 2; }
# Hardware cycles where the CPU exposes them; a VM often does not ("<not supported> instructions"), then CPU-clock samples.
event=cycles
probe=$(perf stat -e instructions true 2>&1 || true)
[[ $probe == *"not supported"* ]] && event=cpu-clock

work=$(mktemp -d -t orderengine-profile.XXXXXX); chmod 711 "$work"
url=http://127.0.0.1:$(free_port)
map_pid=
cleanup() {
  stop_engine || true; stop_postgres immediate
  [ -n "$map_pid" ] && rm -f "/tmp/perf-$map_pid.map" "/tmp/perfinfo-$map_pid.map"   # the engine's perf maps: ours, and large
  rm -rf "$work"
}
trap cleanup EXIT
build_release

# Perf maps name JIT-compiled methods for perf. W^X is turned off because with it the runtime runs JIT code from a
# second (memfd) mapping that perf does not look up in the map: those frames would stay unnamed.
engine_env=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
if [ "$backend" = postgres ]; then
  start_postgres
  engine_env+=(OrderEngine__Persistence__Provider=PostgreSql "OrderEngine__Persistence__ConnectionString=$(pg_database orderengine)")
elif [ "$backend" != sqlite ]; then
  echo "BACKEND: sqlite or postgres" >&2; exit 2
fi
echo "== engine on $backend (perf maps on)" >&2
start_engine engine "${engine_env[@]}"
map_pid=$engine_pid
if [ "$warmup" != 0 ]; then
  echo "== warm-up: $warmup flash sale on its own SKU (not measured)" >&2
  load_tool flash-sale --url "$url" --units 100000000 --clients 64 --duration "$warmup" --warmup 0 --quiet --report-dir "$work/warmup" >/dev/null 2>&1
fi

echo "== $scenario $* (progress in $out/load.log)" >&2
# Started directly (not through the load_tool function) so that $! is the tool's own process, whose CPU is counted.
dotnet "$load_tool_dll" "$scenario" "$@" --url "$url" --report-dir "$out" --engine-pid "$engine_pid" >"$out/load.out" 2>"$out/load.log" &
load_pid=$!
# The measured phase has begun when the tool prints its first progress line for it ("[<scenario>  1.0s] ...").
for _ in $(seq 1 1200); do
  grep -q "^\[$scenario " "$out/load.log" 2>/dev/null && break
  kill -0 "$load_pid" 2>/dev/null || { echo "the load tool ended before its measured phase:" >&2; tail -20 "$out/load.log" >&2; exit 2; }
  sleep 0.5
done
sleep "$delay"

pg=(); [ "$backend" = postgres ] && mapfile -t pg < <(postgres_pids)
e0=$(cpu_ticks "$engine_pid"); g0=$(cpu_ticks "$load_pid"); d0=$( [ ${#pg[@]} -gt 0 ] && cpu_ticks "${pg[@]}" || echo 0)
t0=$(date +%s.%N)
echo "== perf record -e $event -F $hz -g -p $engine_pid for ${window}s" >&2
perf record -e "$event" -F "$hz" -g -p "$engine_pid" -o "$out/perf.data" -- sleep "$window" >"$work/perf-record.log" 2>&1 \
  || { cat "$work/perf-record.log" >&2; exit 2; }
t1=$(date +%s.%N)
e1=$(cpu_ticks "$engine_pid"); g1=$(cpu_ticks "$load_pid"); d1=$( [ ${#pg[@]} -gt 0 ] && cpu_ticks "${pg[@]}" || echo 0)

echo "== waiting for the load tool to finish" >&2
set +e; wait "$load_pid"; load_rc=$?; set -e
summary=$(tail -1 "$out/load.out")
report=$(ls -t "$out"/"$scenario"-*.json 2>/dev/null | head -1)
[ -n "$report" ] || { echo "no report from the load tool (exit $load_rc):" >&2; tail -20 "$out/load.log" >&2; exit 2; }

# Requests completed within [t0, t1], from the report's per-second series (each row spans (t - span, t] after the
# measured phase's start), counting the overlapping share of rows cut by the window's edges.
read -r orders accepted covered < <(python3 - "$report" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t0, t1 = float(sys.argv[2]), float(sys.argv[3])
start = r["measureStartedAtUnixMs"] / 1000.0
orders = accepted = 0.0; last = start
for s in r["series"]:
    hi = start + s["t"]; lo = hi - s["span"]; last = max(last, hi)
    overlap = max(0.0, min(hi, t1) - max(lo, t0))
    if s["span"] > 0 and overlap > 0:
        f = overlap / s["span"]
        orders += f * (s["accepted"] + s["refused"] + s["other"] + s["failed"]); accepted += f * s["accepted"]
print(round(orders), round(accepted), 1 if last >= t1 else 0)
PY
)
[ "$covered" = 1 ] || echo "warning: the measured phase ended inside the profile window; give the scenario more to do (or a shorter PROFILE_DELAY)" >&2
[ "$orders" -gt 0 ] || { echo "no request completed in the profile window" >&2; exit 2; }

hz_ticks=$(getconf CLK_TCK)
secs() { python3 -c "print(($2 - $1) / $hz_ticks)"; }
db_args=(); [ ${#pg[@]} -gt 0 ] && db_args=(--db-cpu-s "$(secs "$d0" "$d1")")
perf script -i "$out/perf.data" -F comm,tid,period,ip,sym,dso 2>/dev/null > "$work/stacks.txt"
gzip -c "$work/stacks.txt" > "$out/stacks.txt.gz"
gzip -c "/tmp/perf-$engine_pid.map" > "$out/perf-$engine_pid.map.gz" 2>/dev/null || true  # perf report looks for JIT names in /tmp/perf-<pid>.map
{
  echo "OrderEngine per-order CPU budget: $scenario $* on $backend, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "window: ${window}s starting ${delay}s into the measured phase; perf $event at $hz Hz on the engine (pid $engine_pid)"
  echo "load tool: $summary"
  echo
  python3 "$here/perf_budget.py" --hz "$hz" --engine-cpu-s "$(secs "$e0" "$e1")" --orders "$orders" --accepted "$accepted" \
    --gen-cpu-s "$(secs "$g0" "$g1")" --gen-requests "$orders" "${db_args[@]}" < "$work/stacks.txt"
  echo
  echo "files: $out (stacks.txt.gz: the samples as perf script printed them; for perf report -i perf.data, unzip perf-$engine_pid.map.gz to /tmp first)"
} | tee "$out/profile.txt"
