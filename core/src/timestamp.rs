//! ISO-8601 date-times as the Chat API writes them (`2026-11-25T16:42:06.415Z`).

use std::cmp::Ordering;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// An ISO-8601 / RFC 3339 date-time, kept exactly as written.
///
/// Two timestamps are equal when they name the same instant (to the millisecond), and
/// order chronologically.
///
/// Values from the service are kept verbatim, so they re-serialise unchanged even in a
/// format this crate does not parse. Values you build are checked:
/// [`Timestamp::parse`] accepts RFC 3339 (`2026-11-25T16:42:06.415Z`,
/// `2026-11-25T17:42:06+01:00`) and [`Timestamp::from_unix_millis`] formats one.
///
/// It converts to and from [`SystemTime`] ([`Timestamp::from_system_time`],
/// [`Timestamp::to_system_time`], and `TryFrom` both ways), and with the features `time`
/// and `chrono` to and from `time::OffsetDateTime` and `chrono::DateTime<Utc>`. Every
/// conversion is checked: an instant the format cannot write, or text that names no
/// instant, is an error, never a panic.
///
/// ```
/// use genesys_chat::Timestamp;
/// let t = Timestamp::parse("2026-11-25T16:42:06.415Z")?;
/// assert_eq!(t.unix_millis(), Some(1_795_624_926_415));
/// assert_eq!(Timestamp::from_unix_millis(1_795_624_926_415), t);
/// # Ok::<(), genesys_chat::Error>(())
/// ```
#[derive(Clone, Eq)]
pub struct Timestamp(String);

impl Timestamp {
    /// Checks an RFC 3339 date-time and keeps it as written.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match parse_rfc3339_millis(text) {
            Some(_) => Ok(Timestamp(text.to_owned())),
            None => Err(Error::invalid(
                "timestamp",
                "is not an RFC 3339 date-time; write it like 2026-11-25T16:42:06.415Z",
            )),
        }
    }

    /// The UTC date-time `millis` milliseconds after 1970-01-01T00:00:00Z, written
    /// with millisecond precision and a `Z` (the service's own format).
    pub fn from_unix_millis(millis: i64) -> Self {
        let secs = millis.div_euclid(1000);
        let ms = millis.rem_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        Timestamp(format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60
        ))
    }

    /// Milliseconds since the Unix epoch, or `None` when the text is not RFC 3339.
    pub fn unix_millis(&self) -> Option<i64> {
        parse_rfc3339_millis(&self.0)
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant of a [`SystemTime`], in the service's format (UTC, milliseconds, `Z`):
    /// the time is cut down to the millisecond (never rounded up).
    ///
    /// A time before 1970-01-01T00:00:00Z, or after 9999-12-31T23:59:59.999Z (the last
    /// instant the format holds), is an error.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use genesys_chat::Timestamp;
    /// let t = Timestamp::from_system_time(UNIX_EPOCH + Duration::from_millis(1_795_624_926_415))?;
    /// assert_eq!(t.as_str(), "2026-11-25T16:42:06.415Z");
    /// # Ok::<(), genesys_chat::Error>(())
    /// ```
    pub fn from_system_time(time: SystemTime) -> Result<Self, Error> {
        let since = time.duration_since(UNIX_EPOCH).map_err(|_| {
            Error::invalid(
                "timestamp",
                "is before 1970-01-01T00:00:00Z, which a SystemTime conversion does not take",
            )
        })?;
        let millis = i64::try_from(since.as_millis())
            .ok()
            .filter(|ms| *ms <= MAX_UNIX_MILLIS)
            .ok_or_else(beyond_the_format)?;
        Ok(Timestamp::from_unix_millis(millis))
    }

    /// The instant as a [`SystemTime`], to the millisecond.
    ///
    /// A timestamp that is not RFC 3339 (a value from the service in a format this crate
    /// does not read), or before 1970-01-01T00:00:00Z, is an error.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use genesys_chat::Timestamp;
    /// let t = Timestamp::parse("2026-11-25T17:42:06.415+01:00")?;
    /// assert_eq!(t.to_system_time()?, UNIX_EPOCH + Duration::from_millis(1_795_624_926_415));
    /// # Ok::<(), genesys_chat::Error>(())
    /// ```
    pub fn to_system_time(&self) -> Result<SystemTime, Error> {
        let millis = self.checked_unix_millis()?;
        let millis = u64::try_from(millis).map_err(|_| {
            Error::invalid(
                "timestamp",
                "is before 1970-01-01T00:00:00Z, which a SystemTime conversion does not give",
            )
        })?;
        UNIX_EPOCH
            .checked_add(Duration::from_millis(millis))
            .ok_or_else(|| {
                Error::invalid(
                    "timestamp",
                    "is later than this platform's SystemTime can hold",
                )
            })
    }

    /// [`Timestamp::unix_millis`], or the error of a timestamp that is not RFC 3339.
    fn checked_unix_millis(&self) -> Result<i64, Error> {
        self.unix_millis().ok_or_else(|| {
            Error::invalid(
                "timestamp",
                "is not an RFC 3339 date-time (the service sent a format this crate does not read), so it names no instant to convert",
            )
        })
    }

    /// The instant of a millisecond count, or the error of one outside years 0 to 9999.
    #[cfg(any(feature = "time", feature = "chrono"))]
    fn from_checked_millis(millis: i128) -> Result<Self, Error> {
        i64::try_from(millis)
            .ok()
            .filter(|ms| (MIN_UNIX_MILLIS..=MAX_UNIX_MILLIS).contains(ms))
            .map(Timestamp::from_unix_millis)
            .ok_or_else(beyond_the_format)
    }
}

/// 0000-01-01T00:00:00.000Z, the first instant the format holds, in Unix milliseconds.
#[cfg(any(feature = "time", feature = "chrono"))]
const MIN_UNIX_MILLIS: i64 = -62_167_219_200_000;
/// 9999-12-31T23:59:59.999Z, the last instant the format holds, in Unix milliseconds.
const MAX_UNIX_MILLIS: i64 = 253_402_300_799_999;

fn beyond_the_format() -> Error {
    Error::invalid(
        "timestamp",
        "is outside the years 0000 to 9999 that an RFC 3339 date-time can write",
    )
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = Error;

    /// [`Timestamp::from_system_time`].
    fn try_from(time: SystemTime) -> Result<Self, Error> {
        Timestamp::from_system_time(time)
    }
}

impl TryFrom<&Timestamp> for SystemTime {
    type Error = Error;

    /// [`Timestamp::to_system_time`].
    fn try_from(t: &Timestamp) -> Result<Self, Error> {
        t.to_system_time()
    }
}

/// Conversions to and from [`time::OffsetDateTime`] (the `time` feature).
#[cfg(feature = "time")]
impl Timestamp {
    /// The instant of an [`time::OffsetDateTime`], in the service's format (converted to
    /// UTC, cut down to the millisecond, `Z`). Years 0 to 9999 are accepted (the format
    /// holds no others), 1969 and earlier included.
    ///
    /// ```
    /// use genesys_chat::Timestamp;
    /// let t = Timestamp::from_offset_date_time(time::OffsetDateTime::from_unix_timestamp(1_795_624_926)?)?;
    /// assert_eq!(t.as_str(), "2026-11-25T16:42:06.000Z");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_offset_date_time(time: time::OffsetDateTime) -> Result<Self, Error> {
        Timestamp::from_checked_millis(time.unix_timestamp_nanos().div_euclid(1_000_000))
    }

    /// The instant as a [`time::OffsetDateTime`] in UTC, to the millisecond (the offset
    /// the text was written with is not kept). A timestamp that is not RFC 3339 is an
    /// error.
    pub fn to_offset_date_time(&self) -> Result<time::OffsetDateTime, Error> {
        let millis = self.checked_unix_millis()?;
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .map_err(|_| beyond_the_format())
    }
}

#[cfg(feature = "time")]
impl TryFrom<time::OffsetDateTime> for Timestamp {
    type Error = Error;

    /// [`Timestamp::from_offset_date_time`].
    fn try_from(time: time::OffsetDateTime) -> Result<Self, Error> {
        Timestamp::from_offset_date_time(time)
    }
}

#[cfg(feature = "time")]
impl TryFrom<&Timestamp> for time::OffsetDateTime {
    type Error = Error;

    /// [`Timestamp::to_offset_date_time`].
    fn try_from(t: &Timestamp) -> Result<Self, Error> {
        t.to_offset_date_time()
    }
}

/// Conversions to and from [`chrono::DateTime<chrono::Utc>`] (the `chrono` feature).
#[cfg(feature = "chrono")]
impl Timestamp {
    /// The instant of a [`chrono::DateTime<chrono::Utc>`], in the service's format (cut
    /// down to the millisecond, `Z`). Years 0 to 9999 are accepted (the format holds no
    /// others), 1969 and earlier included.
    ///
    /// ```
    /// use genesys_chat::Timestamp;
    /// let utc = chrono::DateTime::from_timestamp_millis(1_795_624_926_415).ok_or("in range")?;
    /// assert_eq!(Timestamp::from_chrono(utc)?.as_str(), "2026-11-25T16:42:06.415Z");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_chrono(time: chrono::DateTime<chrono::Utc>) -> Result<Self, Error> {
        Timestamp::from_checked_millis(i128::from(time.timestamp_millis()))
    }

    /// The instant as a [`chrono::DateTime<chrono::Utc>`], to the millisecond (the offset
    /// the text was written with is not kept). A timestamp that is not RFC 3339 is an
    /// error.
    pub fn to_chrono(&self) -> Result<chrono::DateTime<chrono::Utc>, Error> {
        let millis = self.checked_unix_millis()?;
        chrono::DateTime::from_timestamp_millis(millis).ok_or_else(beyond_the_format)
    }
}

#[cfg(feature = "chrono")]
impl TryFrom<chrono::DateTime<chrono::Utc>> for Timestamp {
    type Error = Error;

    /// [`Timestamp::from_chrono`].
    fn try_from(time: chrono::DateTime<chrono::Utc>) -> Result<Self, Error> {
        Timestamp::from_chrono(time)
    }
}

#[cfg(feature = "chrono")]
impl TryFrom<&Timestamp> for chrono::DateTime<chrono::Utc> {
    type Error = Error;

    /// [`Timestamp::to_chrono`].
    fn try_from(t: &Timestamp) -> Result<Self, Error> {
        t.to_chrono()
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        match (self.unix_millis(), other.unix_millis()) {
            (Some(a), Some(b)) => a == b,
            _ => self.0 == other.0,
        }
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self.unix_millis() {
            Some(ms) => ms.hash(state),
            None => self.0.hash(state),
        }
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    /// Chronological when both parse; unparsable values sort before parsable ones, then
    /// by text.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.unix_millis(), other.unix_millis()) {
            (Some(a), Some(b)) => a.cmp(&b),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => self.0.cmp(&other.0),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Lenient on purpose: a format we do not know must not fail a response.
        String::deserialize(d).map(Timestamp)
    }
}

fn digits(s: &[u8], from: usize, len: usize) -> Option<i64> {
    let part = s.get(from..from + len)?;
    part.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

fn parse_rfc3339_millis(text: &str) -> Option<i64> {
    let s = text.as_bytes();
    let year = digits(s, 0, 4)?;
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    let hour = digits(s, 11, 2)?;
    let minute = digits(s, 14, 2)?;
    let second = digits(s, 17, 2)?;
    if s.get(4) != Some(&b'-')
        || s.get(7) != Some(&b'-')
        || !matches!(s.get(10), Some(b'T' | b't' | b' '))
        || s.get(13) != Some(&b':')
        || s.get(16) != Some(&b':')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if s.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while s.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return None;
        }
        // Milliseconds: the first three fraction digits, right-padded.
        for k in 0..3 {
            millis = millis * 10
                + s.get(start + k)
                    .filter(|_| start + k < end)
                    .map_or(0, |b| i64::from(b - b'0'));
        }
        i = end;
    }
    let offset_minutes = match s.get(i) {
        Some(b'Z' | b'z') if s.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if s.len() == i + 6 && s.get(i + 3) == Some(&b':') => {
            let h = digits(s, i + 1, 2)?;
            let m = digits(s, i + 4, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_millis("2026-11-25T16:42:06.415Z"),
            Some(1_795_624_926_415)
        );
        assert_eq!(
            parse_rfc3339_millis("2026-11-25T17:42:06.4159+01:00"),
            Some(1_795_624_926_415)
        );
        assert_eq!(
            Timestamp::from_unix_millis(951_782_400_000).as_str(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(-1).as_str(),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2026-11-25",
            "2026-11-25T16:42:06",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-25T16:42:06.Z",
            "2026-11-25T16:42:06Zx",
            "2026-11-25T16:42:06+0100",
            "２026-11-25T16:42:06Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad} accepted");
        }
    }

    proptest! {
        #[test]
        fn millis_round_trip(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            let t = Timestamp::from_unix_millis(ms);
            prop_assert_eq!(t.unix_millis(), Some(ms));
            prop_assert!(Timestamp::parse(t.as_str()).is_ok());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = parse_rfc3339_millis(&s);
        }
    }
}
