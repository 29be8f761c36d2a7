//! What fuzzing the response parsers checks (`core/fuzz`, targets `parse_response` and
//! `parse_json_model`), as properties that run in CI. `properties.rs` already has parsing
//! never panic on arbitrary status, headers and shallow JSON; these add what the fuzz
//! targets reach:
//!
//! - JSON shaped like each model, deep and wrong in every way a field can be (wrong type,
//!   null, missing, duplicated, past serde's recursion limit, odd numbers and dates, cut
//!   short), checked for every one of the 35 operations (the Chat API's 34, then "my chats");
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

use fuzz_support::parse::{COUNT, Visit, op_id, with_op};
use genesys_chat::Operation;
use proptest::collection::vec;
use proptest::prelude::*;

proptest! {
    #[test]
    fn model_shaped_json_for_every_operation(data in vec(any::<u8>(), 1..1536)) {
        let mut data = data;
        for op in 0..35u8 {
            data[0] = op;
            fuzz_support::parse::model(&data);
        }
    }

    #[test]
    fn raw_bodies_for_every_operation_round_trip_and_page_forward(
        data in vec(any::<u8>(), 1..768),
    ) {
        let mut data = data;
        for op in 0..35u8 {
            data[0] = op;
            fuzz_support::parse::raw(&data);
        }
    }
}

/// Visitor: the official id of the operation `with_op` built.
struct IdOf;

impl Visit for IdOf {
    type Out = &'static str;
    fn visit<O>(self, _op: &O) -> Self::Out
    where
        O: Operation,
        O::Output: serde::Serialize + std::fmt::Debug + PartialEq,
    {
        O::META.id
    }
}

#[test]
fn the_first_input_byte_names_each_of_the_35_operations_in_table_order() {
    assert_eq!(COUNT, 35);
    for index in 0..COUNT {
        assert_eq!(
            with_op(index, Default::default(), IdOf),
            op_id(index),
            "{index}"
        );
    }
    // The Chat API's table, then the Users API's; the index wraps around.
    assert_eq!(op_id(0), "deleteChatsRoomMessage");
    assert_eq!(op_id(5), "deleteChatsUsersMeSettings");
    assert_eq!(op_id(31), "postChatsUsersMeSettings");
    assert_eq!(op_id(33), "putChatsSettings");
    assert_eq!(op_id(34), "getUsersChatsMe");
    assert_eq!(op_id(35), "deleteChatsRoomMessage");
    assert_eq!(op_id(68), "putChatsSettings");
    assert_eq!(op_id(255), "getChatsRoomParticipant");
}
