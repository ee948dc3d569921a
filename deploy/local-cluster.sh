#!/usr/bin/env bash
# A throwaway OrderEngine cluster on this machine: one PostgreSQL and N engine nodes, all on 127.0.0.1.
#
#   deploy/local-cluster.sh start [N] [ROLES...]   start PostgreSQL and N nodes (default 3), print their URLs
#                                                  ROLES per node, e.g. "shards shards api" (default: every node both)
#   deploy/local-cluster.sh status                 each node's pid, URL and readiness
#   deploy/local-cluster.sh url I                  node I's URL (1-based), e.g. U1=$(deploy/local-cluster.sh url 1)
#   deploy/local-cluster.sh key                    the nodes' bootstrap admin key, e.g. KEY=$(deploy/local-cluster.sh key)
#   deploy/local-cluster.sh kill I                 kill -9 node I (1-based): watch the others take its shards over
#   deploy/local-cluster.sh restart I              start node I again (same ports); it joins the running nodes
#   deploy/local-cluster.sh stop                   stop every node and PostgreSQL and delete all their data
#
# The engine is src/OrderEngine.Api/bin/Release/net10.0/OrderEngine.Api.dll (built with `dotnet build -c Release
# src/OrderEngine.Api` when missing), or the dll named by ORDERENGINE_DLL (e.g. a `dotnet publish` output).
# Every node starts with the bootstrap admin key ORDERENGINE_KEY (a random one when unset; `key` prints it).
# Everything lives in ORDERENGINE_CLUSTER_DIR (default /tmp/orderengine-local-cluster): node logs node1.log ..., pg.log.
# PostgreSQL comes from /usr/lib/postgresql/*/bin (apt-get install postgresql); as root it runs as the postgres user.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${ORDERENGINE_CLUSTER_DIR:-/tmp/orderengine-local-cluster}
STATE=$DIR/state

die() { echo "local-cluster: $*" >&2; exit 1; }
say() { echo "local-cluster: $*"; }

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || die "no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)"
  echo "$bin"
}

as_postgres() { # as_postgres <shell command>
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi
}

# A TCP port on 127.0.0.1 that nothing listens on and that this script has not handed out yet.
TAKEN=" "
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    case "$TAKEN" in *" $port "*) continue ;; esac
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then TAKEN="$TAKEN$port "; echo "$port"; return; fi
  done
}

engine_dll() {
  if [ -n "${ORDERENGINE_DLL:-}" ]; then
    [ -f "$ORDERENGINE_DLL" ] || die "ORDERENGINE_DLL=$ORDERENGINE_DLL does not exist"
    echo "$ORDERENGINE_DLL"; return
  fi
  local dll=$ROOT/src/OrderEngine.Api/bin/Release/net10.0/OrderEngine.Api.dll
  if [ ! -f "$dll" ]; then
    say "building the engine (dotnet build -c Release src/OrderEngine.Api)" >&2
    dotnet build -c Release "$ROOT/src/OrderEngine.Api/OrderEngine.Api.csproj" -v q -nologo >&2 || die "build failed"
  fi
  echo "$dll"
}

load_state() { [ -f "$STATE" ] || die "no cluster is running (no $STATE); start one with: $0 start 3"; source "$STATE"; }

start_node() { # start_node <i>  (1-based; uses the loaded state)
  local i=$1 http_var="HTTP_$1" akka_var="AKKA_$1" roles_var="ROLES_$1"
  local http=${!http_var} akka=${!akka_var} roles=${!roles_var} env=() j=0 n
  mkdir -p "$DIR/node$i"
  env+=("OrderEngine__Persistence__Provider=PostgreSql"
        "OrderEngine__Persistence__ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=orderengine"
        "OrderEngine__Cluster__Hostname=127.0.0.1" "OrderEngine__Cluster__Port=$akka"
        "OrderEngine__Security__BootstrapAdminKey=$KEY")
  for n in $(seq 1 "$NODES"); do
    local a="AKKA_$n"; env+=("OrderEngine__Cluster__SeedNodes__$((n - 1))=akka.tcp://orderengine@127.0.0.1:${!a}")
  done
  if [ "$roles" != both ]; then
    for r in ${roles//,/ }; do env+=("OrderEngine__Cluster__Roles__$j=$r"); j=$((j + 1)); done
  fi
  # exec all the way down, so the recorded pid is the engine's own (kill -9 of it is a real crash); SIGHUP ignored, so
  # closing the terminal does not stop the nodes.
  ( cd "$DIR/node$i" && trap '' HUP && exec env "${env[@]}" dotnet "$DLL" --urls "http://127.0.0.1:$http" --contentRoot "$(dirname "$DLL")" \
      >"$DIR/node$i.log" 2>&1 < /dev/null ) &
  echo $! > "$DIR/node$i.pid"
}

wait_ready() { # wait_ready <i>
  local i=$1 v="HTTP_$1" deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null "http://127.0.0.1:${!v}/health/ready" 2>/dev/null; do
    kill -0 "$(cat "$DIR/node$i.pid")" 2>/dev/null || { tail -30 "$DIR/node$i.log" >&2; die "node$i exited (log: $DIR/node$i.log)"; }
    [ $SECONDS -lt $deadline ] || die "node$i not ready within 90 s (log: $DIR/node$i.log)"
    sleep 0.5
  done
}

# A ready node is an Up member; the first requests of a new cluster still wait for the shard coordinator to start and
# every region to register with it. Wait until node <i> answers a stock read from an entity (200 or 404).
wait_serving() { # wait_serving <i>
  local v="HTTP_$1" deadline=$((SECONDS + 60)) code
  while :; do
    code=$(curl -s -m 12 -H "X-Api-Key: $KEY" -o /dev/null -w '%{http_code}' "http://127.0.0.1:${!v}/api/stock/local-cluster-warm-up" || true)
    case "$code" in 200|404) return ;; esac
    [ $SECONDS -lt $deadline ] || die "node$1 does not serve within 60 s (last answer: $code; log: $DIR/node$1.log)"
    sleep 0.5
  done
}

cmd_start() {
  local nodes=${1:-3}; shift || true
  [[ "$nodes" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 start [N] [ROLES...]"
  [ ! -f "$STATE" ] || die "a cluster is already running in $DIR ($0 status, $0 stop)"
  local roles=("$@")
  [ ${#roles[@]} -eq 0 ] || [ ${#roles[@]} -eq "$nodes" ] || die "give one role set per node (api, shards, api,shards or both), or none"
  DLL=$(engine_dll)
  local bin; bin=$(pg_bin)
  rm -rf "$DIR"; mkdir -p "$DIR/pg"
  [ "$(id -u)" != 0 ] || chown -R postgres "$DIR/pg"
  PG_PORT=$(free_port)
  {
    echo "NODES=$nodes"; echo "DLL='$DLL'"; echo "PG_BIN='$bin'"; echo "PG_PORT=$PG_PORT"
    echo "KEY='${ORDERENGINE_KEY:-$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')}'"
    for i in $(seq 1 "$nodes"); do
      echo "HTTP_$i=$(free_port)"; echo "AKKA_$i=$(free_port)"; echo "ROLES_$i=${roles[$((i - 1))]:-both}"
    done
  } > "$STATE.tmp"
  mv "$STATE.tmp" "$STATE"
  source "$STATE"

  say "PostgreSQL on 127.0.0.1:$PG_PORT (data in $DIR/pg)"
  as_postgres "'$bin/initdb' -D '$DIR/pg/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null"
  printf "\nlisten_addresses='127.0.0.1'\nport=%s\nunix_socket_directories='%s'\nmax_connections=300\n" "$PG_PORT" "$DIR/pg" >> "$DIR/pg/data/postgresql.conf"
  as_postgres "'$bin/pg_ctl' -D '$DIR/pg/data' -l '$DIR/pg/pg.log' -w start >/dev/null"
  "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database orderengine" >/dev/null

  # The first node forms the cluster; the others join it.
  start_node 1; wait_ready 1
  for i in $(seq 2 "$nodes"); do start_node "$i"; done
  for i in $(seq 2 "$nodes"); do wait_ready "$i"; done
  for i in $(seq 1 "$nodes"); do wait_serving "$i"; done
  cmd_status
  say "stop everything (and delete the data) with: $0 stop"
}

cmd_status() {
  load_state
  local i h a r pid ready
  for i in $(seq 1 "$NODES"); do
    h="HTTP_$i"; a="AKKA_$i"; r="ROLES_$i"; pid=$(cat "$DIR/node$i.pid" 2>/dev/null || echo -)
    if kill -0 "$pid" 2>/dev/null; then
      ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${!h}/health/ready" || true)
      [ "$ready" = 200 ] && ready=ready || ready="not ready ($ready)"
    else
      ready=down
    fi
    printf 'node%s  http://127.0.0.1:%s  remoting 127.0.0.1:%s  roles %-12s pid %-8s %s\n' "$i" "${!h}" "${!a}" "${!r}" "$pid" "$ready"
  done
  echo "postgres  Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=orderengine"
}

cmd_url() {
  load_state
  local v="HTTP_${1:?usage: $0 url I}"
  [ -n "${!v:-}" ] || die "no node $1"
  echo "http://127.0.0.1:${!v}"
}

cmd_key() {
  load_state
  echo "$KEY"
}

cmd_kill() {
  load_state
  local i=${1:?usage: $0 kill I}
  local pid; pid=$(cat "$DIR/node$i.pid")
  kill -9 "$pid" && say "node$i (pid $pid) killed with SIGKILL at $(date +%T.%N | cut -c1-12)"
}

cmd_restart() {
  load_state
  local i=${1:?usage: $0 restart I}
  ! kill -0 "$(cat "$DIR/node$i.pid" 2>/dev/null)" 2>/dev/null || die "node$i still runs"
  start_node "$i"; wait_ready "$i"; wait_serving "$i"; cmd_status
}

cmd_stop() {
  [ -f "$STATE" ] || { say "nothing to stop"; rm -rf "$DIR"; return; }
  source "$STATE"
  local i pid pids=()
  for i in $(seq 1 "$NODES"); do
    pid=$(cat "$DIR/node$i.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; pids+=("$pid"); fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    ! kill -0 "$pid" 2>/dev/null || kill -9 "$pid"
  done
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then as_postgres "'$PG_BIN/pg_ctl' -D '$DIR/pg/data' -m fast -w stop >/dev/null" || true; fi
  rm -rf "$DIR"
  say "stopped ${#pids[@]} node(s) and PostgreSQL; deleted $DIR"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  status) cmd_status ;;
  url) cmd_url "${2:-}" ;;
  key) cmd_key ;;
  kill) cmd_kill "${2:-}" ;;
  restart) cmd_restart "${2:-}" ;;
  stop) cmd_stop ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
