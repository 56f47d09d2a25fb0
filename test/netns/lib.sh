# Shared helpers for the network-namespace tests. Source it, then call lab_init.
#
# Safety rules (enforced here, not left to each test):
# - everything lives in namespaces named "$LAB-*" with LAB=krs-$$-<test>; the bridge is
#   created INSIDE a namespace; the host namespace is never changed;
# - only documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24);
# - cleanup (trap EXIT) kills only the PIDs this script started and deletes only the
#   namespaces it created; every wait is bounded.

set -u

LAB=""
LAB_DIR=""
LAB_NS=()
LAB_PIDS=()

lab_log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }
lab_fail() { lab_log "FAIL: $*"; exit 1; }

lab_cleanup() {
  local p ns
  for p in "${LAB_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for p in "${LAB_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for p in "${LAB_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] && [ -z "${KEEP_LAB_DIR:-}" ]; then
    rm -rf "$LAB_DIR"
  fi
}

# lab_init NAME: unique prefix, a work dir, the cleanup trap, and a bridge namespace.
lab_init() {
  [ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 1; }
  LAB="krs-$$-$1"
  LAB_DIR=$(mktemp -d "/tmp/$LAB.XXXXXX")
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM
  lab_ns_add br
  ip -n "$LAB-br" link add br0 type bridge
  ip -n "$LAB-br" link set br0 up
}

lab_ns_add() {
  ip netns add "$LAB-$1" || lab_fail "ip netns add $LAB-$1"
  LAB_NS+=("$LAB-$1")
  ip -n "$LAB-$1" link set lo up
}

# lab_node NAME ADDR/LEN: a namespace with eth0 on the bridge.
lab_node() {
  local name=$1 addr=$2 port="p-$1"
  lab_ns_add "$name"
  ip -n "$LAB-br" link add "$port" type veth peer name eth0 netns "$LAB-$name"
  ip -n "$LAB-br" link set "$port" master br0 up
  ip -n "$LAB-$name" addr add "$addr" dev eth0
  ip -n "$LAB-$name" link set eth0 up
}

# lab_run NAME LOGFILE CMD...: start CMD in namespace NAME in the background; sets LAB_LAST_PID.
lab_run() {
  local name=$1 logf=$2
  shift 2
  ip netns exec "$LAB-$name" "$@" >"$logf" 2>&1 &
  LAB_LAST_PID=$!
  LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_has_addr NAME ADDR: whether ADDR is configured in namespace NAME.
lab_has_addr() {
  ip -n "$LAB-$1" -br addr 2>/dev/null | grep -qw "$2"
}

# lab_wait SECONDS CMD...: poll CMD every 50 ms until it succeeds; prints the elapsed time in
# ms to stdout on success; returns 1 on timeout.
lab_wait() {
  local limit_ms=$(($1 * 1000)) start now
  shift
  start=$(date +%s%3N)
  while :; do
    if "$@"; then
      now=$(date +%s%3N)
      echo $((now - start))
      return 0
    fi
    now=$(date +%s%3N)
    [ $((now - start)) -ge "$limit_ms" ] && return 1
    sleep 0.05
  done
}

# lab_curl NAME URL: fetch a page from namespace NAME (2 s limit).
lab_curl() {
  ip netns exec "$LAB-$1" curl -s --max-time 2 "$2" 2>/dev/null
}

# lab_web NAME TEXT: a busybox httpd on port 80 serving TEXT.
lab_web() {
  local d="$LAB_DIR/www-$1"
  mkdir -p "$d"
  echo "$2" >"$d/index.html"
  lab_run "$1" "$LAB_DIR/httpd-$1.log" busybox httpd -f -p 80 -h "$d"
}

# lab_count_with ADDR NAME...: how many of the namespaces hold ADDR.
lab_count_with() {
  local a=$1 n c=0
  shift
  for n in "$@"; do lab_has_addr "$n" "$a" && c=$((c + 1)); done
  echo "$c"
}
