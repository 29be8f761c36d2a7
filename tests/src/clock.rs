//! Time, as the emulator sees it: a [`Clock`] returns Unix milliseconds.
//!
//! The emulator reads its clock once per request. Tests that need exact timestamps, or
//! token expiry and rate-limit windows that move on command, use a [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time in milliseconds since the Unix epoch.
///
/// Any `Fn() -> i64 + Send + Sync` closure is a clock:
///
/// ```
/// use genesys_chat_testkit::{Clock, EmulatorBuilder};
/// let fixed = || 1_795_624_926_415_i64; // 2026-11-25T16:42:06.415Z
/// assert_eq!(fixed.now_millis(), 1_795_624_926_415);
/// let emulator = EmulatorBuilder::with_defaults().clock(fixed).build()?;
/// # Ok::<(), genesys_chat_testkit::BuildError>(())
/// ```
pub trait Clock: Send + Sync {
    /// The current time in milliseconds since 1970-01-01T00:00:00Z.
    fn now_millis(&self) -> i64;
}

impl<F: Fn() -> i64 + Send + Sync> Clock for F {
    fn now_millis(&self) -> i64 {
        self()
    }
}

/// The machine's clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock set before 1970: count backwards.
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use genesys_chat_testkit::{Clock, ManualClock};
/// let clock = ManualClock::new(1_000);
/// let shared = clock.clone();
/// clock.advance(Duration::from_secs(2));
/// assert_eq!(shared.now_millis(), 3_000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `unix_millis`.
    pub fn new(unix_millis: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(unix_millis)))
    }

    /// Sets the time.
    pub fn set(&self, unix_millis: i64) {
        self.0.store(unix_millis, Ordering::SeqCst);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(ms))
            })
            .ok();
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
