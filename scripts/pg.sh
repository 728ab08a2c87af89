#!/bin/sh
# pg.sh — a throwaway PostgreSQL cluster for tests, owned by the test:
#   pg.sh start DIR PORT   initdb in DIR (when new), start it on 127.0.0.1:PORT
#                          with its unix socket in DIR, create database
#                          "guanxi", print its postgres:// URL
#   pg.sh url DIR          print the URL again
#   pg.sh replica DIR PORT PRIMARY_DIR
#                          a hot standby of the running cluster in PRIMARY_DIR:
#                          pg_basebackup -R (streaming replication) into DIR
#                          (when new), start it on 127.0.0.1:PORT, print its
#                          URL (read-only; same user and password)
#   pg.sh stop DIR         stop the server by the PID in DIR/postmaster.pid
# PostgreSQL refuses to run as root: when this script runs as root the
# cluster belongs to the "postgres" user (Debian's package creates it), or to
# a "guanxi-test" system user made here when there is none ($GX_PG_OWNER
# names another). DIR's parent must
# be reachable by that user (a fresh mktemp -d under /tmp is made so).
# Every wait is bounded. Settings favour speed over crash safety (fsync=off):
# never point this at data you keep.
set -eu

PGBIN=${PGBIN:-}
if [ -z "$PGBIN" ]; then
  for v in 17 16 15; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then PGBIN=/usr/lib/postgresql/$v/bin; break; fi
  done
fi

die() { echo "pg.sh: $*" >&2; exit 1; }
usage() { die "usage: pg.sh start DIR PORT | pg.sh replica DIR PORT PRIMARY_DIR | pg.sh url DIR | pg.sh stop DIR"; }

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$OWNER" -- "$@"
  else
    "$@"
  fi
}

# Hands a file to the owner when running as root.
give() {
  if [ "$(id -u)" -eq 0 ]; then chown "$OWNER" "$1"; fi
}

pick_owner() {
  if [ "$(id -u)" -ne 0 ]; then OWNER=$(id -un); return; fi
  OWNER=${GX_PG_OWNER:-}
  if [ -z "$OWNER" ] && id postgres >/dev/null 2>&1; then OWNER=postgres; fi
  [ -n "$OWNER" ] || OWNER=guanxi-test
  [ "$OWNER" = guanxi-test ] || return 0
  if ! id guanxi-test >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin guanxi-test \
      || die "cannot create the guanxi-test user"
  fi
  OWNER=guanxi-test
}

# The postmaster's PID when it runs, else nothing.
running_pid() {
  [ -f "$1/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null || true)
  case "$pid" in ''|*[!0-9]*) return 0 ;; esac
  # a stale file may name a PID since reused by another program
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q postgres; then
    echo "$pid"
  fi
}

# Waits up to $2 tenths of a second for PID $1 to end; 0 when it ended.
wait_gone() {
  i=0
  while kill -0 "$1" 2>/dev/null; do
    [ "$i" -ge "$2" ] && return 1
    sleep 0.1; i=$((i + 1))
  done
  return 0
}

cmd_start() {
  [ $# -eq 2 ] || usage
  dir=$1; port=$2
  case "$port" in ''|*[!0-9]*) die "PORT must be a number" ;; esac
  [ -n "$PGBIN" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
  # the socket path must fit in sun_path (107 bytes)
  [ ${#dir} -le 80 ] || die "DIR is too long for a unix socket path: $dir"
  if [ "$(id -u)" -eq 0 ] && [ -f "$dir/PG_VERSION" ]; then
    OWNER=$(stat -c %U "$dir")   # an existing cluster keeps its owner
  else
    pick_owner
  fi
  mkdir -p "$dir"
  give "$dir"
  chmod 700 "$dir"
  as_owner test -w "$dir" || die "$OWNER cannot write $dir (is a parent folder private to root?)"
  if [ -n "$(running_pid "$dir")" ]; then
    cat "$dir/guanxi.url"
    return 0
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    [ -z "$(ls -A "$dir")" ] || die "$dir is neither empty nor a cluster"
    pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    pwfile=$(mktemp); log=$(mktemp)
    printf '%s\n' "$pw" > "$pwfile"
    give "$pwfile"
    # the socket in DIR is reachable only by the owner (mode 700): trust
    # there; TCP on loopback needs the password
    as_owner "$PGBIN/initdb" -D "$dir" -U guanxi --pwfile="$pwfile" --encoding=UTF8 \
      --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$log" 2>&1 \
      || { rm -f "$pwfile"; cat "$log" >&2; rm -f "$log"; die "initdb failed"; }
    rm -f "$pwfile" "$log"
    cat >> "$dir/postgresql.conf" <<EOF
# pg.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    # the URL is written before the first start, so that "url" works
    printf 'postgres://guanxi:%s@127.0.0.1:%s/guanxi\n' "$pw" "$port" > "$dir/guanxi.url"
    chmod 600 "$dir/guanxi.url"
    give "$dir/guanxi.url"
  fi
  as_owner "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2 || true; die "the server did not start"; }
  as_owner "$PGBIN/psql" -h "$dir" -p "$port" -U guanxi -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = 'guanxi'" | grep -q 1 \
    || as_owner "$PGBIN/createdb" -h "$dir" -p "$port" -U guanxi -E UTF8 -T template0 guanxi \
    || die "createdb failed"
  cat "$dir/guanxi.url"
}

cmd_replica() {
  [ $# -eq 3 ] || usage
  dir=$1; port=$2; primary=$3
  case "$port" in ''|*[!0-9]*) die "PORT must be a number" ;; esac
  [ -n "$PGBIN" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
  case "$primary" in /*) ;; *) primary=$(pwd)/$primary ;; esac
  [ ${#dir} -le 80 ] || die "DIR is too long for a unix socket path: $dir"
  [ -f "$primary/guanxi.url" ] && [ -n "$(running_pid "$primary")" ] \
    || die "no running cluster in $primary (pg.sh start it first)"
  if [ "$(id -u)" -eq 0 ]; then
    OWNER=$(stat -c %U "$primary")   # the replica belongs to the primary's owner
  else
    OWNER=$(id -un)
  fi
  purl=$(cat "$primary/guanxi.url")
  pport=${purl##*:}; pport=${pport%%/*}
  mkdir -p "$dir"
  give "$dir"
  chmod 700 "$dir"
  as_owner test -w "$dir" || die "$OWNER cannot write $dir (is a parent folder private to root?)"
  if [ -n "$(running_pid "$dir")" ]; then
    cat "$dir/guanxi.url"
    return 0
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    [ -z "$(ls -A "$dir")" ] || die "$dir is neither empty nor a cluster"
    log=$(mktemp)
    # through the primary's unix socket (trust for its owner); -R writes
    # primary_conninfo and standby.signal: a hot standby that streams WAL
    as_owner "$PGBIN/pg_basebackup" -h "$primary" -p "$pport" -U guanxi -D "$dir" -R \
      -X stream --checkpoint=fast >"$log" 2>&1 \
      || { cat "$log" >&2; rm -f "$log"; die "pg_basebackup failed"; }
    rm -f "$log"
    # the copied settings name the primary's port and socket: later lines win
    cat >> "$dir/postgresql.conf" <<EOF
# pg.sh: a streaming replica of $primary
port = $port
unix_socket_directories = '$dir'
hot_standby = on
EOF
    rm -f "$dir/server.log" "$dir/guanxi.url"
    printf '%s:%s/guanxi\n' "${purl%:*}" "$port" > "$dir/guanxi.url"
    chmod 600 "$dir/guanxi.url"
    give "$dir/guanxi.url"
  fi
  as_owner "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2 || true; die "the replica did not start"; }
  cat "$dir/guanxi.url"
}

cmd_url() {
  [ $# -eq 1 ] || usage
  [ -f "$1/guanxi.url" ] || die "no cluster in $1"
  cat "$1/guanxi.url"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  dir=$1
  pid=$(running_pid "$dir")
  [ -n "$pid" ] || return 0
  # fast shutdown (clients disconnected, clean checkpoint), then immediate,
  # then KILL: 30 s at most
  kill -INT "$pid" 2>/dev/null || true
  wait_gone "$pid" 200 && return 0
  kill -QUIT "$pid" 2>/dev/null || true
  wait_gone "$pid" 50 && return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 50 || die "postgres $pid does not stop"
}

[ $# -ge 1 ] || usage
sub=$1; shift
case "$sub" in
  start) cmd_start "$@" ;;
  replica) cmd_replica "$@" ;;
  url) cmd_url "$@" ;;
  stop) cmd_stop "$@" ;;
  *) usage ;;
esac
