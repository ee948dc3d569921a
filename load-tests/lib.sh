# Shell functions shared by bench.sh and profile.sh (sourced, not run): build, start and stop an engine, and a
# throwaway PostgreSQL, all under the caller's temp folder.
# The caller sets: root (the repository), work (a temp folder, chmod 711 so the postgres user can reach its data),
# url (http://127.0.0.1:<free port>). These functions set: engine_pid, pg_bin, pg_port.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
engine_pid=
pg_port=

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

# The engine is measured as it is deployed: published for the machine's runtime, so it is precompiled (ReadyToRun) and
# a flash sale's first seconds are not spent in the JIT. ENGINE_BUILD=jit measures a plain Release build instead.
# ENGINE_DIR=<folder holding OrderEngine.Api.dll> measures an engine built elsewhere (another commit, for a before/after
# table) with this tree's load tool.
engine_dir=${ENGINE_DIR:-$root/src/OrderEngine.Api/bin/Release/publish-linux-x64}
build_release() {
  echo "building (Release)..." >&2
  if [ -n "${ENGINE_DIR:-}" ]; then
    [ -f "$ENGINE_DIR/OrderEngine.Api.dll" ] || { echo "ENGINE_DIR=$ENGINE_DIR holds no OrderEngine.Api.dll" >&2; exit 2; }
  elif [ "${ENGINE_BUILD:-r2r}" = jit ]; then
    dotnet build -c Release "$root/src/OrderEngine.Api" -v q -nologo >/dev/null
    engine_dir=$root/src/OrderEngine.Api/bin/Release/net10.0
  else
    dotnet publish -c Release -r linux-x64 --self-contained false "$root/src/OrderEngine.Api" -o "$engine_dir" -v q -nologo >/dev/null
  fi
  dotnet build -c Release "$root/load-tests/OrderEngine.LoadTests" -v q -nologo >/dev/null
}

load_tool_dll=$root/load-tests/OrderEngine.LoadTests/bin/Release/net10.0/OrderEngine.LoadTests.dll
load_tool() { dotnet "$load_tool_dll" "$@"; }

# start_engine <name> [VAR=value...]: a fresh engine process in $work/<name> (SQLite under its ./data unless the
# environment points it at PostgreSQL); returns once /health/ready answers. engine_pid is the dotnet process itself.
# Security is on, as by default: the engine starts with ORDERENGINE_KEY as its bootstrap admin key (the load tool sends
# it as X-Api-Key) and with the per-key rate limits off, so a run measures the engine, not its abuse bounds.
export ORDERENGINE_KEY=${ORDERENGINE_KEY:-load-tests-admin-key-$(head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')}
start_engine() {
  mkdir -p "$work/$1"
  (cd "$work/$1" && exec env "OrderEngine__Security__BootstrapAdminKey=$ORDERENGINE_KEY" \
      "OrderEngine__Security__RateLimits__Channel__Rate=0" "OrderEngine__Security__RateLimits__Key__Rate=0" "${@:2}" dotnet "$engine_dir/OrderEngine.Api.dll" --urls "$url" >"$work/$1/engine.log" 2>&1) &
  engine_pid=$!
  for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "engine $1 did not become ready; its log:" >&2; tail -30 "$work/$1/engine.log" >&2; exit 2
}

# The engine's exit status after SIGTERM is not ours to judge, and under `set -e` a failing kill or wait would end the caller.
stop_engine() { if [ -n "$engine_pid" ]; then kill "$engine_pid" 2>/dev/null || true; wait "$engine_pid" 2>/dev/null || true; fi; engine_pid=; }

# start_postgres: a throwaway server on a free port with durable settings (fsync, synchronous_commit on).
start_postgres() {
  [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 2; }
  mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  pg_port=$(free_port)
  as_pg "$pg_bin/initdb -D $work/pg/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  printf "listen_addresses='127.0.0.1'\nport=%s\nunix_socket_directories='%s'\nmax_connections=200\nshared_buffers=1GB\nmax_wal_size=4GB\nsynchronous_commit=on\nfsync=on\n" "$pg_port" "$work/pg" >> "$work/pg/data/postgresql.conf"
  as_pg "$pg_bin/pg_ctl -D $work/pg/data -l $work/pg/log -w start" >/dev/null
}

# stop_postgres [fast|immediate]: stops the throwaway server if one runs (pg_ctl fails, harmlessly, if it is stopped).
stop_postgres() { if [ -d "$work/pg/data" ]; then as_pg "$pg_bin/pg_ctl -D $work/pg/data -m ${1:-fast} stop" >/dev/null 2>&1 || true; fi; }

# pg_database <name>: creates an empty database and prints the engine's connection string for it.
pg_database() {
  "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "create database $1" >/dev/null
  echo "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$1"
}

# postgres_pids: the throwaway server's processes (the postmaster and its children), for CPU accounting.
postgres_pids() {
  local master; master=$(head -1 "$work/pg/data/postmaster.pid" 2>/dev/null) || return 0
  echo "$master"; ps -o pid= --ppid "$master" 2>/dev/null | tr -d ' '
}

# cpu_ticks <pid...>: user + system CPU of the processes in clock ticks (USER_HZ), from /proc/<pid>/stat.
cpu_ticks() {
  local total=0 pid stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }                                        # fields after the command name, which may hold spaces
    set -- $stat; total=$((total + ${12} + ${13}))           # utime and stime are fields 14 and 15 of the full line
  done
  echo "$total"
}
