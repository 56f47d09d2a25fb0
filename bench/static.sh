#!/usr/bin/env bash
# Binary size, shared libraries and (keepalived-rs only) heap allocations after start-up.
#   bench/static.sh IMPL OUT
# size       bytes of the executable (keepalived: /usr/sbin/keepalived, as Debian ships it)
# libs       shared objects `ldd` lists (0 for a static binary)
# allocs     keepalived-rs built with the Cargo feature alloc-audit (counting global allocator):
#            allocations after start-up reported on SIGUSR2 ("alloc-audit: N allocations after
#            start-up" in the log), one node with 200 instances at advert_int 1, after $WINDOW s
#            of steady state. (keepalived: not measured; it has no such counter.)
here=$(cd "$(dirname "$0")" && pwd)
IMPL=${1:?usage: static.sh ka|BIN OUT}
export BENCH_OUT=${2:?usage: static.sh ka|BIN OUT}
P=kbz$$
. "$here/lib/bench.sh"
trap lab_cleanup EXIT

bin=$IMPL
[ "$IMPL" = ka ] && bin=$KEEPALIVED
result size "$(stat -L -c %s "$bin")"
if ldd "$bin" 2>&1 | grep -q 'not a dynamic\|statically linked'; then
  result libs 0
else
  result libs "$(ldd "$bin" | grep -c '=>\|ld-linux')"
fi
result info.libs "$(ldd "$bin" 2>&1 | awk '{print $1}' | tr '\n' ' ')"
command -v size >/dev/null && result text "$(size "$bin" 2>/dev/null | awk 'NR==2{print $1}')"

[ "$IMPL" = ka ] && exit 0

# Heap allocations after start-up (ours): the alloc-audit build.
abin=${ALLOC_AUDIT_BIN:-$ROOT/target/alloc-audit/release/keepalived-rs}
if [ -z "${ALLOC_AUDIT_BIN:-}" ] && { [ ! -x "$abin" ] || [ "$abin" -ot "$IMPL" ]; }; then
  log "building keepalived-rs with --features alloc-audit"
  (cd "$ROOT" && cargo build --quiet --release --features alloc-audit --target-dir target/alloc-audit) ||
    { result allocs fail; exit 0; }
fi
lab_up 1
gen_many "$LAB/a.conf" 200 150 1 2
run_daemon a "$abin" "$LAB/a.conf"
for ((i = 0; i < 300; i++)); do [ "$(count_vips a)" -ge 200 ] && break; sleep 0.1; done
sleep "$WINDOW"
kill -USR2 "$PID_a"; sleep 0.5
n=$(grep -o 'alloc-audit: [0-9]* allocations after start-up' "$LAB/a.log" | tail -1 | awk '{print $2}')
result allocs "${n:-fail}"
result allocs.vips "$(count_vips a)"
