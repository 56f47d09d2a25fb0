# Per-target build settings for `make cross TARGET=<triple>` (see cross/README.md).
#
# Tier A (stable toolchain, prebuilt std from rustup, rust-lld or the host cc):
#   x86_64-unknown-linux-musl, aarch64-unknown-linux-musl
# Tier B (the installed nightly, -Zbuild-std, Debian musl sysroots from cross/fetch-sysroots.sh):
#   armv7-unknown-linux-musleabihf, arm-unknown-linux-musleabi, mipsel-unknown-linux-musl
# The nightly is whatever `rustup` has as "nightly" (rust-toolchain-nightly names the channel,
# not a date: CI cannot download a dated nightly); `make cross` prints `rustc +nightly -V`.
#
# SMALLEST=1 adds -Cpanic=immediate-abort (nightly): no panic messages, about 300 KB less,
# and opt-level "z" whatever PROFILE says (about 34 KB less on aarch64, bench/size.sh).
# It builds under target/smallest/ so it never replaces the ordinary build of the same triple.

NIGHTLY     := $(shell cat $(dir $(lastword $(MAKEFILE_LIST)))rust-toolchain-nightly)
SYSROOT     := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))/sysroot
STABLE_SYSROOT = $(shell rustc --print sysroot)

TOOLCHAIN   :=
CROSS_DIR   := target
BUILD_STD   :=
XRUSTFLAGS  :=
XENV        :=
QEMU        :=
SYSROOT_ARCH :=

ifeq ($(TARGET),x86_64-unknown-linux-musl)
  QEMU :=
endif
ifeq ($(TARGET),aarch64-unknown-linux-musl)
  QEMU := qemu-aarch64-static
endif
ifeq ($(TARGET),armv7-unknown-linux-musleabihf)
  TOOLCHAIN := +$(NIGHTLY)
  BUILD_STD := -Zbuild-std=std,panic_abort
  SYSROOT_ARCH := armhf
  XRUSTFLAGS := -L native=$(SYSROOT)/armhf/usr/lib/arm-linux-musleabihf -L native=$(SYSROOT)/armhf/gcc -L native=$(SYSROOT)/armhf/unwind
  QEMU := qemu-arm-static
endif
ifeq ($(TARGET),arm-unknown-linux-musleabi)
  TOOLCHAIN := +$(NIGHTLY)
  BUILD_STD := -Zbuild-std=std,panic_abort
  SYSROOT_ARCH := armel
  XRUSTFLAGS := -L native=$(SYSROOT)/armel/usr/lib/arm-linux-musleabi -L native=$(SYSROOT)/armel/gcc -L native=$(SYSROOT)/armel/unwind
  QEMU := qemu-arm-static
endif
ifeq ($(TARGET),mipsel-unknown-linux-musl)
  TOOLCHAIN := +$(NIGHTLY)
  BUILD_STD := -Zbuild-std=std,panic_abort
  SYSROOT_ARCH := mipsel
  # Tier 3 defaults to dynamic linking; Debian's libgcc_eh needs immediate-abort to link.
  XRUSTFLAGS := -C target-feature=+crt-static -L native=$(SYSROOT)/mipsel/usr/lib/mipsel-linux-musl -L native=$(SYSROOT)/mipsel/gcc -L native=$(SYSROOT)/mipsel/unwind -Zunstable-options -Cpanic=immediate-abort
  QEMU := qemu-mipsel-static
endif

ifeq ($(SMALLEST),1)
  CROSS_DIR := target/smallest
  XENV := CARGO_PROFILE_$(shell echo '$(PROFILE)' | tr a-z- A-Z_)_OPT_LEVEL=z
  ifeq ($(TOOLCHAIN),)
    TOOLCHAIN := +$(NIGHTLY)
    BUILD_STD := -Zbuild-std=std,panic_abort
    XRUSTFLAGS += -L native=$(STABLE_SYSROOT)/lib/rustlib/$(TARGET)/lib/self-contained
  endif
  ifeq ($(findstring immediate-abort,$(XRUSTFLAGS)),)
    XRUSTFLAGS += -Zunstable-options -Cpanic=immediate-abort
  endif
endif
