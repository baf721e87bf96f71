#!/usr/bin/env bash
# A local cluster: redis-server, nginx and N replicas of a Toolsmith example on free loopback
# ports, every file it makes (configuration, keys, pids, logs) in one run directory.
#
#   deploy/local-cluster.sh up [--replicas N] [--example NAME]   start (default 3, everything_server)
#   deploy/local-cluster.sh status                               what runs, with pids and ports
#   deploy/local-cluster.sh restart [--replica I]                rolling restart (SIGTERM, start again)
#   deploy/local-cluster.sh restart --redis                      restart redis-server (empty), same port
#   deploy/local-cluster.sh down                                 stop exactly what `up` started
#
# Every command takes --run-dir DIR (default: $TOOLSMITH_CLUSTER_DIR, else target/local-cluster).
# `up` prints the MCP URL through nginx as its last line of output. nginx and redis-server come
# from Debian's packages, installed when missing (deploy/install-packages.sh: root and apt-get).
# The example is built in debug (`cargo build`, what the tests build anyway: a release build
# would compile every dependency a second time); $TOOLSMITH_CLUSTER_BIN names a binary to run
# instead. The replicas share one random requestState key (the run directory's keys file), so
# any replica serves any round of a 2026-07-28 multi round-trip request. The replicas keep
# 2025-11-25 sessions in the cluster's redis-server (TOOLSMITH_REDIS_URL), so any replica serves
# any session.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
command=${1:-}
[ $# -gt 0 ] && shift
replicas=3
example=everything_server
only_replica=
only_redis=
run_dir=${TOOLSMITH_CLUSTER_DIR:-$repo/target/local-cluster}

die() {
  echo "local-cluster: $*" >&2
  exit 1
}

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --replicas) replicas=${2:?--replicas needs a number}; shift 2 ;;
    --example) example=${2:?--example needs a name}; shift 2 ;;
    --replica) only_replica=${2:?--replica needs a number}; shift 2 ;;
    --redis) only_redis=1; shift ;;
    --run-dir) run_dir=${2:?--run-dir needs a directory}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "local-cluster: unknown argument \`$1\`" >&2; usage ;;
  esac
done
[[ $replicas =~ ^[1-9][0-9]?$ ]] || die "--replicas must be 1 to 99, not \`$replicas\`"
[[ $example =~ ^[A-Za-z0-9_]+$ ]] || die "--example must be an example's name, not \`$example\`"

# ----- processes and ports ---------------------------------------------------------------------

# True when process $1 runs (exists and is not a zombie: a process started here and orphaned
# when this script ended is reaped by init, in a container perhaps late or never).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# The pid in file $1 when that process still runs the program it was started as.
live_pid() {
  local file=$1 pid expected
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  running "$pid" || return 1
  # A pid can be reused: check the program too.
  expected=$(cat "$file.exe" 2>/dev/null || true)
  local exe
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  # (A binary rebuilt while it runs shows as deleted.)
  if [ -n "$expected" ] && [ "$exe" != "$expected" ] && [ "$exe" != "$expected (deleted)" ]; then
    return 1
  fi
  echo "$pid"
}

# Start program $3 with environment assignments and arguments "${@:4}" in the background (stdin
# from /dev/null, output appended to log $2), its pid into file $1 and its resolved path next to
# it, so `down` never signals a pid reused by another program.
launch() {
  local pidfile=$1 log=$2 program=$3
  shift 3
  local vars=()
  while [ $# -gt 0 ] && [[ $1 == *=* ]]; do
    vars+=("$1")
    shift
  done
  env "${vars[@]}" "$program" "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$pidfile"
  readlink -f "$program" >"$pidfile.exe"
}

# True when nothing listens on 127.0.0.1:$1.
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free loopback port not in use by this cluster already (ports listed in $taken).
taken=" "
free_port() {
  local port
  for _ in $(seq 200); do
    # Below Linux's ephemeral range (32768 up), so no outgoing connection takes it meanwhile.
    port=$((20000 + RANDOM % 12000))
    if [[ $taken != *" $port "* ]] && port_free "$port"; then
      taken+="$port "
      echo "$port"
      return
    fi
  done
  die "no free loopback port found"
}

# The HTTP status of GET $2 on 127.0.0.1:$1 (000 when it cannot be reached).
http_status() {
  local port=$1 path=$2 line
  line=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "$2" >&3
    head -n 1 <&3' _ "$port" "$path" 2>/dev/null || true)
  line=${line%$'\r'}
  local code=${line#* }
  code=${code%% *}
  [[ $code =~ ^[0-9]{3}$ ]] && echo "$code" || echo 000
}

# Wait (at most $3 s) until GET $2 on port $1 answers 200; $4 is the pid that must stay alive.
wait_healthy() {
  local port=$1 path=$2 limit=$3 pid=$4 what=$5
  local deadline=$((SECONDS + limit))
  while [ "$(http_status "$port" "$path")" != 200 ]; do
    running "$pid" || die "$what exited; see its log in $run_dir"
    [ $SECONDS -lt $deadline ] || die "$what not healthy within ${limit}s; see its log in $run_dir"
    sleep 0.1
  done
}

# Stop the process of pid file $1 (SIGTERM, then SIGKILL after $2 s); true if it had to be killed.
stop_pid() {
  local pidfile=$1 limit=$2 pid
  pid=$(live_pid "$pidfile") || { rm -f "$pidfile" "$pidfile.exe"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + limit))
  while running "$pid"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "local-cluster: pid $pid ($pidfile) ignored SIGTERM for ${limit}s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.05
  done
  rm -f "$pidfile" "$pidfile.exe"
}

program() {
  command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true
}

# ----- the parts -------------------------------------------------------------------------------

# Start redis-server (no persistence) on its port; wait until it answers PING.
start_redis() {
  local redis_port
  redis_port=$(cat "$run_dir/redis.port")
  port_free "$redis_port" || die "port $redis_port of redis-server is taken"
  launch "$run_dir/redis.pid" "$run_dir/redis.log" "$(cat "$run_dir/redis-binary")" \
    --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$run_dir" --daemonize no
  local deadline=$((SECONDS + 15))
  until [ "$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "PING\r\n" >&3; head -c 5 <&3' _ "$redis_port" 2>/dev/null)" = "+PONG" ]; do
    live_pid "$run_dir/redis.pid" >/dev/null || die "redis-server exited; see $run_dir/redis.log"
    [ $SECONDS -lt $deadline ] || die "redis-server not answering within 15s"
    sleep 0.1
  done
}

start_replica() {
  local i=$1 port
  port=$(cat "$run_dir/replica-$i.port")
  port_free "$port" || die "port $port of replica $i is taken"
  launch "$run_dir/replica-$i.pid" "$run_dir/replica-$i.log" "$(cat "$run_dir/binary")" \
    TOOLSMITH_HTTP_ADDR="127.0.0.1:$port" \
    TOOLSMITH_REPLICA_ID="replica-$i" \
    TOOLSMITH_REQUEST_STATE_KEYS_FILE="$run_dir/request-state.keys" \
    TOOLSMITH_REDIS_URL="redis://127.0.0.1:$(cat "$run_dir/redis.port")" \
    RUST_LOG="${RUST_LOG:-info}" NO_COLOR=1 \
    --http "127.0.0.1:$port"
  wait_healthy "$port" /healthz 30 "$(cat "$run_dir/replica-$i.pid")" "replica $i"
}

up() {
  mkdir -p "$run_dir"
  run_dir=$(cd "$run_dir" && pwd)
  for f in "$run_dir"/*.pid; do
    [ -e "$f" ] || continue
    live_pid "$f" >/dev/null && die "a cluster already runs from $run_dir ($(basename "$f")); run \`$0 down\` first"
  done
  rm -f "$run_dir"/*.pid "$run_dir"/*.exe "$run_dir"/*.port "$run_dir"/*.log
  if [ -z "$(program nginx)" ] || [ -z "$(program redis-server)" ]; then
    bash "$repo/deploy/install-packages.sh" >&2
  fi
  local nginx redis
  nginx=$(program nginx)
  redis=$(program redis-server)
  [ -n "$nginx" ] && [ -n "$redis" ] || die "nginx and redis-server are needed"

  local binary=${TOOLSMITH_CLUSTER_BIN:-}
  if [ -z "$binary" ]; then
    echo "local-cluster: building example $example (debug)" >&2
    # `--workspace`: dependency features resolved as `cargo test --workspace` resolves them,
    # so the test build's artifacts are reused, not built a second time.
    (cd "$repo" && cargo build --quiet --workspace --example "$example") >&2
    binary=${CARGO_TARGET_DIR:-$repo/target}/debug/examples/$example
  fi
  [ -x "$binary" ] || die "no executable $binary"
  echo "$binary" >"$run_dir/binary"
  echo "$replicas" >"$run_dir/replicas"

  # One random requestState key for every replica (never leaves the run directory).
  umask 077
  printf 'cluster:%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$run_dir/request-state.keys"
  umask 022

  local redis_port
  redis_port=$(free_port)
  echo "$redis_port" >"$run_dir/redis.port"
  echo "$redis" >"$run_dir/redis-binary"
  start_redis

  local servers="" i port
  for i in $(seq "$replicas"); do
    port=$(free_port)
    echo "$port" >"$run_dir/replica-$i.port"
    servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  for i in $(seq "$replicas"); do
    start_replica "$i"
  done

  local nginx_port user_line=""
  nginx_port=$(free_port)
  echo "$nginx_port" >"$run_dir/nginx.port"
  mkdir -p "$run_dir/nginx-tmp"
  if [ "$(id -u)" -eq 0 ]; then
    # Workers as nobody, writing only their temporary files.
    user_line="user nobody nogroup;"
    chown nobody:nogroup "$run_dir/nginx-tmp" 2>/dev/null || chown nobody "$run_dir/nginx-tmp"
  fi
  local servers_file="$run_dir/upstream-servers"
  printf '%s' "$servers" >"$servers_file"
  sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@LISTEN@|127.0.0.1:$nginx_port|g" \
    -e "s|@USER_LINE@|$user_line|g" \
    -e "/@UPSTREAM_SERVERS@/{r $servers_file" -e "d}" \
    "$repo/deploy/nginx.conf" >"$run_dir/nginx.conf"
  "$nginx" -t -q -p "$run_dir" -c "$run_dir/nginx.conf" >&2 || die "nginx rejects $run_dir/nginx.conf"
  # nginx writes nginx.pid itself too (the same master pid).
  launch "$run_dir/nginx-master.pid" "$run_dir/nginx.out" "$nginx" -p "$run_dir" -c "$run_dir/nginx.conf"
  wait_healthy "$nginx_port" /healthz 15 "$(cat "$run_dir/nginx-master.pid")" nginx

  echo "local-cluster: redis-server on 127.0.0.1:$redis_port, $replicas replicas of $example, nginx on 127.0.0.1:$nginx_port; state in $run_dir" >&2
  echo "http://127.0.0.1:$nginx_port/mcp"
}

status() {
  [ -d "$run_dir" ] || { echo "no cluster (no $run_dir)"; return 0; }
  local any=0 name pidfile pid port health
  for pidfile in "$run_dir/redis.pid" "$run_dir"/replica-*.pid "$run_dir/nginx-master.pid"; do
    [ -e "$pidfile" ] || continue
    name=$(basename "$pidfile" .pid)
    name=${name%-master}
    port=$(cat "$run_dir/$name.port" 2>/dev/null || echo "?")
    if pid=$(live_pid "$pidfile"); then
      any=1
      health=""
      case $name in
        replica-* | nginx) health=" health $(http_status "$port" /healthz)" ;;
      esac
      printf '%-12s running  pid %-8s 127.0.0.1:%s%s\n' "$name" "$pid" "$port" "$health"
    else
      printf '%-12s stopped  (pid file %s)\n' "$name" "$pidfile"
    fi
  done
  if live_pid "$run_dir/nginx-master.pid" >/dev/null; then
    echo "MCP URL: http://127.0.0.1:$(cat "$run_dir/nginx.port")/mcp"
  elif [ $any -eq 0 ]; then
    echo "nothing runs from $run_dir"
  fi
}

restart() {
  [ -f "$run_dir/replicas" ] || die "no cluster in $run_dir"
  if [ -n "$only_redis" ]; then
    # Started again without its data (no persistence): the replicas reconnect by themselves.
    echo "local-cluster: restarting redis-server" >&2
    stop_pid "$run_dir/redis.pid" 10
    start_redis
    return
  fi
  local n i
  n=$(cat "$run_dir/replicas")
  local which
  if [ -n "$only_replica" ]; then
    [[ $only_replica =~ ^[0-9]+$ ]] && [ "$only_replica" -ge 1 ] && [ "$only_replica" -le "$n" ] ||
      die "--replica must be 1 to $n"
    which=$only_replica
  else
    which=$(seq "$n")
  fi
  for i in $which; do
    # SIGTERM: the replica finishes its calls in flight (its shutdown grace), then exits.
    echo "local-cluster: restarting replica $i" >&2
    stop_pid "$run_dir/replica-$i.pid" 20
    start_replica "$i"
  done
}

down() {
  [ -d "$run_dir" ] || { echo "local-cluster: nothing to stop (no $run_dir)" >&2; return 0; }
  local pidfile
  # The balancer first, then the replicas (each finishes its calls), then the store.
  stop_pid "$run_dir/nginx-master.pid" 10
  for pidfile in "$run_dir"/replica-*.pid; do
    [ -e "$pidfile" ] && stop_pid "$pidfile" 20
  done
  stop_pid "$run_dir/redis.pid" 10
  echo "local-cluster: stopped; logs stay in $run_dir" >&2
}

case $command in
  up) up ;;
  down) down ;;
  status) status ;;
  restart) restart ;;
  *) usage ;;
esac
