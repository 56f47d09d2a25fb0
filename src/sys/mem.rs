//! Building the (megabytes large) configuration directly on the heap.
//!
//! `Box::new(Config::default())` materialises the value on the stack first (always in debug
//! builds, usually in release), which would need a stack several times the size of the
//! config. Instead the box is allocated zero-filled and only the small `global` part is
//! written: every pool is a `heapless::Vec`, whose all-zero bytes mean "length 0, buffer
//! uninitialised", i.e. empty; a `Slice` is two integers. The unit test below checks the
//! result against `Config::default()` field by field (`PartialEq`), so a `heapless` layout
//! change that broke this would fail the suite.

use crate::config::model::{Config, Global, Slice};
use std::alloc::{alloc_zeroed, handle_alloc_error, Layout};
use std::ptr::addr_of_mut;

/// An empty configuration, built in place on the heap (no stack copy, no helper thread).
pub fn empty_config() -> Box<Config> {
    let layout = Layout::new::<Config>();
    // SAFETY: `Config` is not zero-sized, so the layout is valid for `alloc_zeroed`.
    let raw = unsafe { alloc_zeroed(layout) } as *mut Config;
    if raw.is_null() {
        handle_alloc_error(layout);
    }
    // SAFETY: `raw` is a fresh, aligned, zero-filled allocation of `Config`'s layout. The
    // fields that are not valid as zeroes (`global`) are written before the box is made;
    // the pools (`heapless::Vec`: a zero length plus `MaybeUninit` storage) and the two
    // `Slice`s (plain integers) are valid and empty as zeroes. `Box::from_raw` takes over
    // an allocation made by the global allocator with `Layout::new::<Config>()`.
    unsafe {
        addr_of_mut!((*raw).global).write(Global::default());
        addr_of_mut!((*raw).static_vips).write(Slice::default());
        addr_of_mut!((*raw).static_routes).write(Slice::default());
        Box::from_raw(raw)
    }
}

/// Keeps big allocations (a configuration per load) in their own mappings.
///
/// glibc raises its mmap threshold every time a large mapped block is freed, after which
/// each reload's configuration would come from the heap, whose freed pages stay resident
/// and are cleared by `calloc` — about one extra configuration (megabytes) of RSS for the
/// daemon's lifetime. Fixing the threshold turns that adaptation off: a configuration is
/// mapped, only the pages the parser writes become resident, and `free` gives them back.
/// musl's allocator already maps large blocks, so there is nothing to do there.
pub fn keep_large_allocations_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tunable of the C allocator; 128 KiB is glibc's default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Hands the heap's free pages back to the kernel; called once start-up (or a reload) is over.
///
/// Loading a configuration makes tens of thousands of small, short-lived allocations (a
/// string per token, the block tree): about 3 MB with 1000 instances. They are freed, but
/// glibc keeps freed small chunks resident inside the heap (it trims only the top), so
/// without this the daemon would keep a loader's worth of RSS for its lifetime.
/// `malloc_trim(0)` releases the free pages anywhere in every arena. musl's allocator gives
/// freed memory back by itself and has no such call. Returns whether glibc released any.
pub fn release_free_heap() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the C allocator.
    unsafe {
        libc::malloc_trim(0) == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rss_anon_kib() -> usize {
        let s = std::fs::read_to_string("/proc/self/status").unwrap();
        let l = s.lines().find(|l| l.starts_with("RssAnon:")).unwrap();
        l.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Many small blocks freed below a live one stay resident until the trim (glibc). RssAnon
    /// is the whole process's, so the measurement runs alone in a child test process (the
    /// other tests of this binary allocate concurrently).
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn freed_small_blocks_are_released() {
        const CHILD: &str = "KRS_TRIM_CHILD";
        if std::env::var_os(CHILD).is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "sys::mem::tests::freed_small_blocks_are_released",
                ])
                .args(["--test-threads=1", "--nocapture"])
                .env(CHILD, "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "child: {text}");
            assert!(text.contains("1 passed"), "the child ran no test: {text}");
            return;
        }
        let blocks: std::vec::Vec<Box<[u8; 200]>> =
            (0..40_000).map(|_| Box::new([1u8; 200])).collect();
        let keep = Box::new([2u8; 200]); // above the freed ones: the top alone cannot shrink
        let before = rss_anon_kib();
        drop(blocks);
        assert!(release_free_heap());
        let after = rss_anon_kib();
        assert!(keep[0] == 2);
        // 40 000 × 240 B (with headers) ≈ 9 MB freed; most of it must leave.
        assert!(
            before.saturating_sub(after) >= 6144,
            "RssAnon {before} -> {after} KiB"
        );
    }

    #[test]
    fn in_place_config_equals_the_default_one() {
        let built = empty_config();
        // The reference value needs a stack big enough for a debug-build `Config::default()`.
        let reference = std::thread::Builder::new()
            .stack_size(4 * core::mem::size_of::<Config>() + (1 << 20))
            .spawn(Box::<Config>::default)
            .unwrap()
            .join()
            .unwrap();
        assert!(*built == *reference);
        assert!(built.instances.is_empty() && built.vips.is_empty() && built.commands.is_empty());
    }

    #[test]
    fn in_place_config_pools_are_usable_to_capacity() {
        let mut c = empty_config();
        while c.vips.push(Default::default()).is_ok() {}
        assert_eq!(c.vips.len(), c.vips.capacity());
        c.vips.clear();
        assert!(c.vips.is_empty());
    }
}
