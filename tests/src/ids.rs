//! Identifiers: correlation ids, message ids, room JIDs, user ids and issued tokens.
//!
//! Ids come from a counter run through splitmix64, a bijection on `u64`, so two ids of
//! one generator never collide. A seed makes a run reproducible.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// splitmix64: a fast, well-mixing bijection on `u64`.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, for ids derived from names (stable across runs and platforms).
pub(crate) fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    splitmix64(h)
}

/// A seed that differs from run to run.
pub(crate) fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    h.finish()
}

/// `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` from 128 bits.
pub(crate) fn uuid_from(a: u64, b: u64) -> String {
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let mut s = String::with_capacity(36);
    let _ = write!(
        s,
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    );
    s
}

/// 24 lowercase hex digits (the local part of Genesys JIDs) from 96 bits.
pub(crate) fn hex24_from(a: u64, b: u64) -> String {
    let mut s = String::with_capacity(24);
    let _ = write!(s, "{a:016x}{:08x}", b >> 32);
    s
}

/// A generator of unique ids.
pub(crate) struct IdGen {
    seed: u64,
    counter: AtomicU64,
}

impl IdGen {
    pub(crate) fn new(seed: u64) -> Self {
        IdGen {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> (u64, u64) {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // `a` is unique per `n` (a bijection of seed + n); `b` adds entropy.
        let a = splitmix64(self.seed.wrapping_add(n));
        let b = splitmix64(a ^ self.seed.rotate_left(17));
        (a, b)
    }

    /// A fresh UUID-like id.
    pub(crate) fn uuid(&self) -> String {
        let (a, b) = self.next();
        uuid_from(a, b)
    }

    /// A fresh 24-hex-digit id.
    pub(crate) fn hex24(&self) -> String {
        let (a, b) = self.next();
        hex24_from(a, b)
    }

    /// Restarts the sequence (used by `Emulator::reset`).
    pub(crate) fn reset(&self) {
        self.counter.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_uniqueness() {
        let ids = IdGen::new(7);
        let u = ids.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let h = ids.hex24();
        assert_eq!(h.len(), 24);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            assert!(seen.insert(ids.uuid()));
        }
    }
}
