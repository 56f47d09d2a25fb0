//! A counting global allocator (Cargo feature `alloc-audit`) to prove that the daemon
//! allocates nothing after start-up. The binary installs it with `#[global_allocator]`; the
//! daemon takes a baseline when start-up is complete and reports the difference on SIGUSR2
//! and at exit (`alloc-audit: N allocations after start-up`).
//!
//! `alloc` and `realloc` are counted (frees are not: "no allocation" is the property).

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::System;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicUsize = AtomicUsize::new(0);

/// `System` with a counter.
pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the same arguments; counting has no effect
// on the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        INSTALLED.store(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations so far, or `None` when the counting allocator is not installed.
pub fn count() -> Option<usize> {
    (INSTALLED.load(Ordering::Relaxed) != 0).then(|| ALLOCS.load(Ordering::Relaxed))
}
