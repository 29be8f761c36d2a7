//! What fuzzing the response parsers checks (`core/fuzz`, targets `parse_response` and
//! `parse_json_model`), as properties that run in CI. `properties.rs` already has parsing
//! never panic on arbitrary status, headers and shallow JSON; these add what the fuzz
//! targets reach:
//!
//! - JSON shaped like each model, deep and wrong in every way a field can be (wrong type,
//!   null, missing, duplicated, past serde's recursion limit, odd numbers and dates, cut
//!   short), checked for every one of the 32 operations;
//! - every parsed output survives a round trip (serialise, parse again, equal);
//! - the history pager never asks for the same or a newer page;
//! - no string value of the body (chat text included) shows in a decode error, nor in
//!   an API error but through the error body's `message` and `code`, and chat text never
//!   in the `Debug` of an output;
//! - error excerpts stay short and free of control characters.
//!
//! The inputs are bytes decoded by `fuzz_support::input`, as in the fuzz targets, so a
//! failing case found here replays there and the other way round. Case counts follow
//! proptest's defaults (256), overridable with `PROPTEST_CASES`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_support;

use proptest::collection::vec;
use proptest::prelude::*;

proptest! {
    #[test]
    fn model_shaped_json_for_every_operation(data in vec(any::<u8>(), 1..1536)) {
        let mut data = data;
        for op in 0..32u8 {
            data[0] = op;
            fuzz_support::parse::model(&data);
        }
    }

    #[test]
    fn raw_bodies_for_every_operation_round_trip_and_page_forward(
        data in vec(any::<u8>(), 1..768),
    ) {
        let mut data = data;
        for op in 0..32u8 {
            data[0] = op;
            fuzz_support::parse::raw(&data);
        }
    }
}
