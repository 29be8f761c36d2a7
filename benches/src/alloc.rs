//! A counting global allocator: [`System`], plus a count of allocation calls and bytes
//! while counting is switched on.
//!
//! A bench binary installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: genesys_chat_benches::alloc::CountingAlloc = genesys_chat_benches::alloc::CountingAlloc;
//! ```
//!
//! and measures with [`per_iteration`]. Counting is off by default, so timings taken
//! with criterion pay one relaxed atomic load per allocation and nothing else.
//! The counters are process-wide: measure on one thread while no other thread allocates.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// [`System`], counting `alloc`, `alloc_zeroed` and `realloc` calls and the bytes they
/// ask for (for `realloc`, the growth) while [`per_iteration`] runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

#[inline]
fn note(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        CALLS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract; the
// counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every path above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size.saturating_sub(layout.size()));
        // SAFETY: the caller's contract for `realloc` is passed on as it is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations of one iteration, averaged over many.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocations {
    /// Allocation calls (`alloc`, `alloc_zeroed`, `realloc`) per iteration.
    pub calls: f64,
    /// Bytes asked for per iteration (for `realloc`, the growth).
    pub bytes: f64,
}

/// Runs `routine` `iterations` times with counting on and returns the allocations of
/// one iteration. Counts are exact only if [`CountingAlloc`] is the global allocator and
/// no other thread allocates meanwhile; without it, both counts are 0.
pub fn per_iteration<R>(iterations: u64, mut routine: impl FnMut() -> R) -> Allocations {
    // One run first, so one-time work (lazy statics, first growth of caches) is left out.
    std::hint::black_box(routine());
    CALLS.store(0, Ordering::Relaxed);
    BYTES.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..iterations {
        std::hint::black_box(routine());
    }
    COUNTING.store(false, Ordering::SeqCst);
    let n = iterations.max(1) as f64;
    Allocations {
        calls: CALLS.load(Ordering::Relaxed) as f64 / n,
        bytes: BYTES.load(Ordering::Relaxed) as f64 / n,
    }
}
