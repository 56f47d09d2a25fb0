# keepalived-rs — build, test, demo. Every target installs what it needs (Debian, as root).
# `make test` is what CI runs (.ci/run).

CARGO   ?= cargo
PROFILE ?= release
BIN     := keepalived-rs
OUTBIN  := target/$(PROFILE)/$(BIN)

.PHONY: all build test test-unit test-be test-netns lint deps demo clean

all: build

build:
	$(CARGO) build --locked --profile $(PROFILE)

# System packages the tests and the demo use (idempotent; skipped when already present).
deps:
	@test/tools/install-deps.sh

test: deps lint test-unit test-be test-netns

test-unit:
	$(CARGO) test --locked --all-targets

# The wire layer's tests on a big-endian target (PowerPC under qemu-user).
test-be:
	@test/tools/be-test.sh

test-netns: build
	@test/netns/run-all.sh $(OUTBIN)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

demo: deps build
	@test/netns/demo.sh $(OUTBIN)

clean:
	$(CARGO) clean
