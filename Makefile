# keepalived-rs — build, test, demo. Every target installs what it needs (Debian, as root).
# `make test` is what CI runs (.ci/run).

CARGO   ?= cargo
PROFILE ?= release
BIN     := keepalived-rs
OUTBIN  := target/$(PROFILE)/$(BIN)

.PHONY: all build test test-unit test-be test-netns test-hostile test-bench bench fuzz-smoke test-ops test-interop test-cross test-install lint deps demo clean cross rootfs install sysroots bench-size
TARGET  ?=
INIT    ?= sysv
PREFIX  ?= /usr
DESTDIR ?=
include cross/targets.mk
ifneq ($(TARGET),)
  OUTBIN := $(CROSS_DIR)/$(TARGET)/$(PROFILE)/$(BIN)
endif

all: build

build:
	$(CARGO) build --locked --profile $(PROFILE)

# System packages the tests and the demo use (idempotent; skipped when already present).
deps:
	@test/tools/install-deps.sh

test: deps lint test-unit test-be test-netns test-bench test-ops test-interop test-cross test-install fuzz-smoke

test-unit:
	$(CARGO) test --locked --all-targets

# The wire layer's tests on a big-endian target (PowerPC under qemu-user).
test-be:
	@test/tools/be-test.sh

test-netns: build test-hostile
	@test/netns/run-all.sh $(OUTBIN)

# Hostile input and faults (issue 11, TESTING.md): crafted packets, floods, link flaps,
# kill -9, interface faults and scripts (each beside keepalived 2.2.7), filesystem faults.
# About 3 minutes; every lab lives in its own namespaces.
test-hostile: build
	@test/hostile/run-all.sh $(OUTBIN)

# A short run of every fuzz target on the committed corpus (every input in it replayed, then
# a fixed number of mutations: FUZZ_RUNS, or FUZZ_RUNS_SLOW for the two whole-layer targets),
# with the nightly toolchain and cargo-fuzz (installed when missing). The seed is fixed and
# each run starts from the committed corpus alone, so this gate is reproducible: the same tree
# passes or fails the same way on every machine (FUZZ_SECS only cuts a very slow machine
# short). Exploring is for the long campaigns (TESTING.md) or `make fuzz-smoke FUZZ_SEED=0`.
# The targets built by `cargo fuzz build` are run directly: `cargo fuzz run` rebuilt the
# library for every target. Two run at once (FUZZ_JOBS, test/tools/fuzz-smoke.sh): each run
# is single-threaded.
FUZZ_SECS ?= 120
FUZZ_RUNS ?= 500000
FUZZ_RUNS_SLOW ?= 10000
FUZZ_SEED ?= 1
FUZZ_BIN := target/x86_64-unknown-linux-gnu/release
fuzz-smoke:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	@mkdir -p target && cd fuzz && $(CARGO) +nightly fuzz build >../target/fuzz-smoke-build.log 2>&1 \
	  || { tail -n 40 ../target/fuzz-smoke-build.log; exit 1; }
	@cd fuzz && ../test/tools/fuzz-smoke.sh $(FUZZ_BIN) $(FUZZ_SEED) $(FUZZ_RUNS) $(FUZZ_RUNS_SLOW) \
	  $(FUZZ_SECS) $$($(CARGO) +nightly fuzz list)
# The benchmark harness's functional check (not the benchmarks, `make bench`): 1000 instances
# over 4 segments own their VIPs within 35 s, nothing dropped, RssAnon within 2 MiB; the
# report generator runs and its tables splice into (a copy of) BENCHMARKS.md.
test-bench: build
	SMOKE_MAX_ANON_KB=2048 bench/smoke.sh $(OUTBIN) 1000
	@t=$$(mktemp) && d=$$(mktemp) && cp BENCHMARKS.md $$d && python3 bench/lib/report.py bench/results $$t \
	  && python3 bench/lib/splice.py $$d $$t && grep -q 'bench:generated:end' $$d && rm -f $$t $$d

# Operations: SIGHUP soak under client load, broken reloads, instance add/remove.
test-ops: build
	test/ops/t-reload-100.sh $(OUTBIN)

# Mixed clusters with Debian's keepalived 2.2.7, and one JSON reader for both dumps.
test-interop: build
	test/interop/t-json.sh $(OUTBIN)
	test/interop/t-mixed.sh $(OUTBIN)

# `make rootfs` / `make install` into temporary DESTDIRs, each INIT; an existing
# keepalived.conf survives a second install (about 1 s, no root needed).
test-install: build
	test/install/t-install.sh $(OUTBIN)

# Every cross target built and run beside a native node (VIP failover): under qemu-user, or
# natively for x86_64-musl (the router build for x86 gateways, runner "native"). Then the
# SMALLEST=1 aarch64 build (nightly, immediate-abort) is built and its -v run under qemu.
CROSS_SMOKE ?= x86_64-unknown-linux-musl:native aarch64-unknown-linux-musl:qemu-aarch64-static armv7-unknown-linux-musleabihf:qemu-arm-static arm-unknown-linux-musleabi:qemu-arm-static mipsel-unknown-linux-musl:qemu-mipsel-static
SMALLEST_SMOKE ?= aarch64-unknown-linux-musl:qemu-aarch64-static
test-cross: build
	@command -v qemu-aarch64-static >/dev/null || apt-get install -y -qq qemu-user-static >/dev/null
	@set -e; for t in $(CROSS_SMOKE); do tr=$${t%%:*}; q=$${t##*:}; \
	  l=target/cross-$$tr.log; $(MAKE) --no-print-directory cross TARGET=$$tr >$$l 2>&1 \
	    || { tail -n 30 $$l; exit 1; }; sed -n '/^toolchain:/p' $$l; \
	  test/cross/t-qemu-smoke.sh $(OUTBIN) target/$$tr/$(PROFILE)/$(BIN) $$q; done
	@set -e; for t in $(SMALLEST_SMOKE); do tr=$${t%%:*}; q=$${t##*:}; \
	  b=target/smallest/$$tr/$(PROFILE)/$(BIN); \
	  l=target/cross-smallest-$$tr.log; $(MAKE) --no-print-directory cross TARGET=$$tr SMALLEST=1 \
	    >$$l 2>&1 || { tail -n 30 $$l; exit 1; }; sed -n '/^toolchain:/p' $$l; \
	  v=$$($$q $$b -v 2>&1) || { echo "SMALLEST=1 $$tr: -v failed: $$v"; exit 1; }; \
	  echo "$$v" | grep -qx "Target: $$tr" || { echo "SMALLEST=1 $$tr: -v printed: $$v"; exit 1; }; \
	  echo "SMALLEST=1 $$tr: $$(stat -c %s $$b) bytes, -v under $$q: $$(echo "$$v" | head -n 1)"; done

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	python3 cross/yocto/update-crates.py --check

demo: deps build
	@test/netns/demo.sh $(OUTBIN)

clean:
	$(CARGO) clean

# Binary size per cross target, the std floor and the breakdown by module (issue 9).
bench-size:
	bench/size.sh

# Static cross build for a router: make cross TARGET=aarch64-unknown-linux-musl [SMALLEST=1]
cross:
	@test -n "$(TARGET)" || { echo "usage: make cross TARGET=<triple> (see cross/README.md)"; exit 2; }
	@if [ -n "$(SYSROOT_ARCH)" ]; then cross/fetch-sysroots.sh $(SYSROOT_ARCH); \
	  else rustup target list --installed | grep -qx $(TARGET) || rustup target add $(TARGET); fi
	@if [ -n "$(BUILD_STD)" ]; then \
	  rustup toolchain list | grep -q '^$(NIGHTLY)' || rustup toolchain install $(NIGHTLY) --profile minimal; \
	  rustup component list --toolchain $(NIGHTLY) --installed | grep -q '^rust-src' \
	    || rustup component add rust-src --toolchain $(NIGHTLY); fi
	@if [ -n "$(TOOLCHAIN)" ]; then echo "toolchain: $$(rustc $(TOOLCHAIN) -V) (the installed $(NIGHTLY))"; \
	  else echo "toolchain: $$(rustc -V)"; fi
	$(XENV) RUSTFLAGS="$(XRUSTFLAGS)" $(CARGO) $(TOOLCHAIN) build --locked --profile $(PROFILE) \
	  --target $(TARGET) --target-dir $(CROSS_DIR) --config cross/cargo-config.toml $(BUILD_STD)
	@ls -l $(OUTBIN)

sysroots:
	cross/fetch-sysroots.sh

# Install the binary and the overlay (INIT=sysv|procd|systemd) under DESTDIR. An existing
# /etc/keepalived/keepalived.conf (Debian's keepalived uses the same path) is never replaced:
# the default config goes there only when none is present. Files are installed one by one
# (no `cp -a` of a tree: that would give /etc and / the checkout's owner and mode).
KCONF := $(DESTDIR)/etc/keepalived/keepalived.conf
ABSDEST := $(if $(DESTDIR),$(abspath $(DESTDIR)))
install:
	install -D -m 0755 $(OUTBIN) $(DESTDIR)$(PREFIX)/sbin/$(BIN)
	install -D -m 0644 rootfs-overlay/common/etc/sysctl.d/50-keepalived-rs.conf \
	  $(DESTDIR)/etc/sysctl.d/50-keepalived-rs.conf
	@if [ -e $(KCONF) ]; then echo "install: keeping the existing $(KCONF)"; \
	  else install -D -m 0644 rootfs-overlay/common/etc/keepalived/keepalived.conf $(KCONF); fi
	@test -d rootfs-overlay/$(INIT) || { echo "install: INIT=sysv|procd|systemd"; exit 2; }
	cd rootfs-overlay/$(INIT) && for f in $$(find . -type f); do \
	  install -D -m $$(stat -c %a $$f) $$f "$(ABSDEST)/$${f#./}" || exit 1; done

# Stage a firmware root: make rootfs TARGET=aarch64-unknown-linux-musl DESTDIR=out/rootfs
rootfs: $(if $(TARGET),cross,build)
	@test -n "$(DESTDIR)" || { echo "usage: make rootfs TARGET=<triple> DESTDIR=<dir> [INIT=sysv|procd|systemd]"; exit 2; }
	$(MAKE) --no-print-directory install TARGET=$(TARGET) DESTDIR=$(DESTDIR) INIT=$(INIT) PREFIX=$(PREFIX)
	@find $(DESTDIR) -type f | sort

# Benchmarks against Debian's keepalived 2.2.7 (not a test: never fails, not part of `make
# test`). Writes bench/BENCHMARKS.generated.md and bench/results/. BENCH_QUICK=1 for the quick
# version. Also measures the static musl build (the router build) when it builds.
BENCH_MUSL := x86_64-unknown-linux-musl
bench:
	-@test/tools/install-deps.sh
	-$(CARGO) build --locked --profile $(PROFILE)
	-$(CARGO) build --locked --profile $(PROFILE) --features alloc-audit --target-dir target/alloc-audit
	-$(MAKE) --no-print-directory cross TARGET=$(BENCH_MUSL) >/dev/null || rm -f target/$(BENCH_MUSL)/$(PROFILE)/$(BIN)
	@ALLOC_AUDIT_BIN=target/alloc-audit/$(PROFILE)/$(BIN) \
	  BENCH_MUSL_BIN=target/$(BENCH_MUSL)/$(PROFILE)/$(BIN) bench/run.sh $(OUTBIN)
