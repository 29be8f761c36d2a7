//! The scripted loopback server of the conformance kit
//! (`genesys_chat_testkit::conformance::raw`), for the tests of this directory.

#![allow(unused_imports)]

pub use genesys_chat_testkit::conformance::raw::*;
