# keepalived-rs — build, test, demo. Every target installs what it needs (Debian, as root).
# `make test` is what CI runs (.ci/run).

CARGO   ?= cargo
PROFILE ?= release
BIN     := keepalived-rs
OUTBIN  := target/$(PROFILE)/$(BIN)

.PHONY: all build test test-unit test-netns lint deps demo clean

all: build

build:
	$(CARGO) build --locked --profile $(PROFILE)

# System packages the tests and the demo use (idempotent; skipped when already present).
deps:
	@test/tools/install-deps.sh

test: deps lint test-unit test-netns

test-unit:
	$(CARGO) test --locked --all-targets

test-netns: build
	@test/netns/run-all.sh $(OUTBIN)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

demo: deps build
	@test/netns/demo.sh $(OUTBIN)

clean:
	$(CARGO) clean
