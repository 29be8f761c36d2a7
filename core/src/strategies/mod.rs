//! A property-testing kit: [`proptest`](mod@proptest) strategies for every model and every one of the 35
//! operations, for this crate's suites and for yours. Enabled by the `proptest` feature
//! (off by default).
//!
//! ```toml
//! [dev-dependencies]
//! genesys-chat = { version = "0.1", features = ["proptest"] }
//! proptest = "1"
//! ```
//!
//! # Valid by default, adversarial on request
//!
//! Every strategy comes in two [`Mode`]s:
//!
//! - [`Mode::Valid`] (the default): values the service accepts and sends. JIDs in their
//!   real shapes (rooms `<24 hex>@conference.<org>.orgspan.com`, users
//!   `<24 hex>@<org>.orgspan.com`), UUID ids, Unicode chat text with emoji and Markdown,
//!   `limit` 1 to 100, RFC 3339 date-times from [`Timestamp::from_unix_millis`], at most
//!   5 pins and 25 room users, a retention of 10 to 3650 days, known enumeration values.
//! - [`Mode::Adversarial`]: values built to break things. Path and query values with
//!   every reserved character (`/ ? # % @ , + &` and space), percent escapes, `..` inside,
//!   non-ASCII, emoji, control characters (see [`HOSTILE_PIECES`]); empty, `.` and `..`
//!   path values; empty and oversized lists; out-of-range numbers; unknown enumeration
//!   values; date-times with offsets, or no date-time at all; bodies over the size limit.
//!   Some of these break a documented rule, most do not:
//!   [`AnyOperation::violations`] says which rules one breaks (the kit's own copy of the
//!   rules), so a property can check "refused exactly when invalid".
//!
//! And [`Invalid`] values break exactly one rule and name its field:
//! [`invalid_operation`], [`OperationKit::invalid`], [`RequestBody::invalid`].
//!
//! Each type implements proptest's [`Arbitrary`] with
//! the mode as parameter, so `any::<PostChatsRoomMessages>()` is valid and
//! `any_with::<PostChatsRoomMessages>(Mode::Adversarial)` adversarial. Named functions
//! say the same: [`post_chats_room_messages()`] and
//! [`adversarial::post_chats_room_messages()`], [`send_message_body()`] and
//! [`adversarial::send_message_body()`], and so on for every operation and model
//! (snake case of the type's name).
//!
//! # Every operation at once
//!
//! [`AnyOperation`] has one variant per operation and dispatches [`to_http`],
//! [`parse`](AnyOperation::parse) (into [`AnyOutput`]), [`meta`](AnyOperation::meta),
//! the path values, the history options and the body; [`AnyOperation::visit`] hands the
//! operation to an [`OperationVisitor`] as its own type. [`any_operation`] picks one of
//! the 35 uniformly, [`every_operation`] yields all 35 (one of each) per case, and
//! [`operation_sequence`] builds sequences that shrink to short, readable scripts.
//!
//! # A property of your own
//!
//! In a test file you write `proptest! { #[test] fn name(op in strategy) { … } }`; the
//! closure form below runs in place.
//!
//! ```
//! use genesys_chat::strategies::{self, Mode};
//! use genesys_chat::{Config, Error, Operation};
//! use proptest::prelude::*;
//!
//! let cfg = Config::with_base_url("https://api.example.com")?.with_token("my-token")?;
//!
//! // One operation type: always a POST to .../messages.
//! proptest!(strategies::proptest_config(32), |(op in strategies::post_chats_room_messages())| {
//!     let request = op.to_http(&cfg)?;
//!     prop_assert_eq!(request.method(), "POST");
//!     prop_assert!(request.uri().path().ends_with("/messages"));
//! });
//!
//! // Every operation, whatever its type.
//! proptest!(strategies::proptest_config(32), |(op in strategies::any_operation())| {
//!     let request = op.to_http(&cfg)?;
//!     prop_assert_eq!(request.method().as_str(), op.meta().method.as_str());
//! });
//!
//! // Hostile input is refused exactly when it breaks a documented rule, naming the field.
//! proptest!(strategies::proptest_config(32), |(op in strategies::any_operation_with(Mode::Adversarial))| {
//!     match op.to_http(&cfg) {
//!         Ok(_) => prop_assert!(op.is_valid(), "accepted {:?}", op),
//!         Err(Error::InvalidInput { field, .. }) => prop_assert!(op.violations().contains(&field)),
//!         Err(other) => prop_assert!(false, "{}", other),
//!     }
//! });
//! # Ok::<(), Error>(())
//! ```
//!
//! # Case counts
//!
//! [`proptest_config`] gives a configuration with your default number of cases unless the
//! standard `PROPTEST_CASES` environment variable says otherwise, so CI stays fast and
//! `PROPTEST_CASES=5000 cargo test` runs long.
//!
//! [`to_http`]: AnyOperation::to_http
//! [`Arbitrary`]: proptest::arbitrary::Arbitrary
//! [`Timestamp::from_unix_millis`]: crate::Timestamp::from_unix_millis

mod models;
mod operations;
mod values;

use proptest::collection::{SizeRange, vec};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

pub use models::valid::*;
pub use models::{AnyBody, RequestBody};
pub use operations::valid::*;
pub use operations::{AnyOperation, AnyOutput, OperationKit, OperationVisitor, PathParam};
pub use values::{
    HOSTILE_PIECES, access_token, client_config, emoji, hex24, history_query, history_query_with,
    hostile_segment, hostile_text, limit, limit_with, message_id, message_ids, message_text, org,
    room_jid, text, timestamp, timestamp_with, title, user_agent, user_id, user_jid, uuid,
};

/// Which values a strategy produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Values the service accepts (requests) or sends (responses).
    #[default]
    Valid,
    /// Values built to break things; some break a documented rule, most do not.
    Adversarial,
}

/// A value that breaks exactly one documented rule, and the official name of the field
/// at fault (`body` when only the body's size is over the limit).
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid<T> {
    /// The value.
    pub value: T,
    /// The field that breaks a rule, as [`Error::InvalidInput`](crate::Error) names it.
    pub field: &'static str,
}

/// A proptest configuration with `default_cases` cases, unless the `PROPTEST_CASES`
/// environment variable sets another number. Every other setting is proptest's default
/// (which reads the other `PROPTEST_*` variables).
///
/// Use it where a property sets its own case count, e.g. fewer for slow properties:
/// `#![proptest_config(genesys_chat::strategies::proptest_config(32))]`, or
/// `TestRunner::new(proptest_config(32))`, which reads no environment variable itself.
pub fn proptest_config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Any one of the 35 operations (the 34 of the Chat API and "my chats"), valid, each as
/// likely as the others.
pub fn any_operation() -> impl Strategy<Value = AnyOperation> {
    any_operation_with(Mode::Valid)
}

/// Any one of the 35 operations in the given mode.
pub fn any_operation_with(mode: Mode) -> impl Strategy<Value = AnyOperation> {
    any_with::<AnyOperation>(mode)
}

/// All 35 operations, one of each, in the order of
/// [`operations::ALL`](crate::operations::ALL) then
/// [`operations::USERS`](crate::operations::USERS): a property over this checks every
/// operation in every case.
pub fn every_operation(mode: Mode) -> impl Strategy<Value = Vec<AnyOperation>> {
    AnyOperation::strategies(mode)
}

/// An operation that breaks exactly one rule (one of the 30 operations whose input has a
/// rule), with the field at fault.
pub fn invalid_operation() -> impl Strategy<Value = Invalid<AnyOperation>> {
    proptest::strategy::Union::new(AnyOperation::invalid_strategies())
}

/// Sequences of operations of `size` elements. They shrink by dropping operations and
/// simplifying those left, so a failure ends as a short script.
pub fn operation_sequence(
    mode: Mode,
    size: impl Into<SizeRange>,
) -> impl Strategy<Value = Vec<AnyOperation>> {
    vec(any_operation_with(mode), size)
}

/// The adversarial strategy of every model and operation, by the same names as the
/// valid ones at the top of [`strategies`](crate::strategies).
pub mod adversarial {
    use proptest::prelude::*;

    use super::Mode;
    use crate::Timestamp;
    use crate::operation::HistoryQuery;

    pub use super::models::adversarial::*;
    pub use super::operations::adversarial::*;

    /// Any one of the 35 operations, adversarial.
    pub fn any_operation() -> impl Strategy<Value = super::AnyOperation> {
        super::any_operation_with(Mode::Adversarial)
    }

    /// Adversarial date-times: see [`timestamp_with`](super::timestamp_with).
    pub fn timestamp() -> impl Strategy<Value = Timestamp> {
        super::timestamp_with(Mode::Adversarial)
    }

    /// Adversarial page sizes: 0, over 100, `u32::MAX`, and valid ones.
    pub fn limit() -> impl Strategy<Value = u32> {
        super::limit_with(Mode::Adversarial)
    }

    /// Adversarial history options.
    pub fn history_query() -> impl Strategy<Value = HistoryQuery> {
        super::history_query_with(Mode::Adversarial)
    }

    /// Hostile text: see [`hostile_text`](super::hostile_text).
    pub fn text() -> impl Strategy<Value = String> {
        super::hostile_text()
    }
}
