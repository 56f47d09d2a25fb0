#!/usr/bin/env bash
# Stripped static binary size per cross target (issue 9), the std floor, and where the bytes go.
#
#   bench/size.sh [OUT]
# OUT defaults to bench/results/size.md, which is then also spliced into BENCHMARKS.md between
# the size:generated markers. Needs the toolchains of `make cross`; about 15 min on 2 cores,
# no root, no network namespaces.
# SIZE_TARGETS="..."  the triples (default: all five of cross/README.md)
#
# For each target: `make cross` (release, opt-level "s"; also its size after `xz -9e`, about
# what it costs in a squashfs firmware image) and `make cross PROFILE=minsize` ("z");
# for aarch64 also `SMALLEST=1` (nightly, -Cpanic=immediate-abort). The floor is a `fn main() {
# println!(..) }` crate built for aarch64-musl with our release profile, on stable and with
# immediate-abort: what std and musl cost before one line of ours. The breakdown sums
# `nm -S` text and rodata symbols of an unstripped aarch64 SMALLEST build by module.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$here/results/size.md}
mkdir -p "$(dirname "$out")"
targets=${SIZE_TARGETS:-x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf arm-unknown-linux-musleabi mipsel-unknown-linux-musl}
A64=aarch64-unknown-linux-musl
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# size FILE -> bytes, or "build failed" (a benchmark never fails; the table says why)
bytes() { [ -f "$1" ] && stat -c %s "$1" || echo "build failed"; }
build() { make --no-print-directory cross "$@" >"$tmp/build.log" 2>&1 || tail -n 5 "$tmp/build.log" >&2; }

rows=""
for t in $targets; do
  build TARGET="$t"
  rel=$(bytes "target/$t/release/keepalived-rs")
  build TARGET="$t" PROFILE=minsize
  min=$(bytes "target/$t/minsize/keepalived-rs")
  sm="—"
  if [ "$t" = "$A64" ]; then
    build TARGET="$t" SMALLEST=1
    sm=$(bytes "target/smallest/$t/release/keepalived-rs")
  fi
  xzs="—"
  [ -f "target/$t/release/keepalived-rs" ] && xzs=$(xz -9e -c "target/$t/release/keepalived-rs" | wc -c)
  case $t in mipsel*) note=" (always immediate-abort)" ;; *) note="" ;; esac
  rows+="| $t$note | $rel | $xzs | $min | $sm |"$'\n'
done

# The floor: std + musl with nothing of ours, the same profile, aarch64.
mkdir -p "$tmp/hello/src"
sed -n '/^\[profile.release\]/,/^$/p' Cargo.toml >"$tmp/profile"
printf '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n\n' >"$tmp/hello/Cargo.toml"
cat "$tmp/profile" >>"$tmp/hello/Cargo.toml"
echo 'fn main() { println!("hello"); }' >"$tmp/hello/src/main.rs"
S=$(rustc --print sysroot)
(cd "$tmp/hello" && cargo build -q --release --target $A64 --config "$root/cross/cargo-config.toml" \
  --target-dir "$tmp/ht" >/dev/null 2>&1)
floor_st=$(bytes "$tmp/ht/$A64/release/hello")
(cd "$tmp/hello" && RUSTFLAGS="-L native=$S/lib/rustlib/$A64/lib/self-contained -Zunstable-options -Cpanic=immediate-abort" \
  cargo +"$(cat "$root/cross/rust-toolchain-nightly")" build -q --release --target $A64 \
  --config "$root/cross/cargo-config.toml" --target-dir "$tmp/hi" -Zbuild-std=std,panic_abort >/dev/null 2>&1)
floor_ia=$(bytes "$tmp/hi/$A64/release/hello")

# Where the bytes go: an unstripped SMALLEST aarch64 build, symbols summed by module.
CARGO_PROFILE_RELEASE_STRIP=false build TARGET=$A64 SMALLEST=1 CROSS_DIR="$tmp/unstripped"
unstripped=$tmp/unstripped/$A64/release/keepalived-rs
breakdown=$(nm -S --size-sort -C "$unstripped" 2>/dev/null | python3 -c '
import re, sys, collections
tot = collections.Counter()
for line in sys.stdin:
    p = line.split(None, 3)
    if len(p) < 4 or p[2] not in "tTrR":
        continue
    name = p[3].strip().lstrip("<").lstrip("&").replace("mut ", "")
    m = re.match(r"([a-z_0-9]+)::([a-z_0-9]+)", name)
    if m is None and "::" in name:
        # A generic instantiation such as <[T] as ...>::f: credit it to our module if it names one.
        m = re.search(r"(keepalived_rs)::([a-z_0-9]+)", name) or re.search(r"([a-z_0-9]+)::([a-z_0-9]+)", name)
    if name.startswith("OUTLINED_FUNCTION_"):
        key = "pieces of the above shared by the LLVM machine outliner"
    elif m is None:
        key = "musl libc and compiler builtins (C symbols)"
    elif m.group(1) == "keepalived_rs":
        key = "ours: " + m.group(2)
    elif m.group(1) in ("core", "alloc", "std", "std_detect", "compiler_builtins"):
        key = "Rust std/core/alloc"
    else:
        key = "crate: " + m.group(1)
    tot[key] += int(p[1], 16)
total = sum(tot.values())
ours = sum(v for k, v in tot.items() if k.startswith("ours"))
print("| part | KB |")
print("|---|---|")
for k, v in tot.most_common(18):
    print("| %s | %.1f |" % (k, v / 1024))
print("| **all symbols** (of which ours) | **%.1f** (%.1f) |" % (total / 1024, ours / 1024))
')

{
  echo "Measured $(date -u +%Y-%m-%d) at $(git describe --always --dirty), $(rustc -V),"
  echo "$(rustc +"$(cat cross/rust-toolchain-nightly)" -V) for the nightly columns. Bytes of the stripped files."
  echo
  echo "| target | release (\`opt-level = \"s\"\`) | release, \`xz -9e\` (in a squashfs image) | \`PROFILE=minsize\` (\`\"z\"\`) | \`SMALLEST=1\` (immediate-abort, \`\"z\"\`) |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
  echo "| *floor: \`println!\` hello world, $A64, same profile* | $floor_st (stable) | — | — | $floor_ia |"
  if [ -x /usr/sbin/keepalived ]; then
    echo "| *keepalived 2.2.7, Debian amd64, dynamic ($(ldd /usr/sbin/keepalived | grep -c '=>') shared libraries besides)* | $(stat -c %s /usr/sbin/keepalived) | $(xz -9e -c /usr/sbin/keepalived | wc -c) | — | — |"
  fi
  echo
  echo "Where the bytes go in the unstripped $A64 \`SMALLEST=1\` build (\`nm -S\`, text and rodata):"
  echo
  echo "$breakdown"
} >"$out"
cat "$out"
if [ -z "${1:-}" ]; then
  python3 "$here/lib/splice.py" "$root/BENCHMARKS.md" "$out" size
fi
