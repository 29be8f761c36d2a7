//! The conformance kit on a fourth stack: hyper 1 on tokio, the `send` of the README's
//! own-stack example (`examples/hyper_stack.rs`, compiled here as it is), run through the
//! core's driver. And the README shows that file as it is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../examples/hyper_stack.rs"]
mod hyper_stack;

use std::sync::Arc;

use genesys_chat_testkit::conformance::{self, DrivenAsyncStack, SendFuture, Settings};

fn build(
    settings: &Settings,
) -> Result<DrivenAsyncStack<impl conformance::BareAsyncStack + use<>>, genesys_chat::Error> {
    let send = |request, limits| -> SendFuture { Box::pin(hyper_stack::send(request, limits)) };
    DrivenAsyncStack::new(settings, Arc::new(send), conformance::shared_runtime())
}

genesys_chat_testkit::conformance_tests!("hyper 1 + genesys_chat::driver", build);

/// The README's block after this marker is the example file, from its first line that is
/// not a `//!` comment.
const MARKER: &str =
    "<!-- tests/examples/hyper_stack.rs as it is (tests/tests/hyper_stack.rs checks) -->";

#[test]
fn the_readme_shows_the_hyper_example_as_it_is() {
    let readme = include_str!("../../README.md");
    let example = include_str!("../examples/hyper_stack.rs");
    let code: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    let after = readme
        .split_once(MARKER)
        .expect("the README has the marker of the hyper example")
        .1;
    let block = after
        .split_once("```rust,ignore\n")
        .expect("a rust block follows the marker")
        .1
        .split_once("```\n")
        .expect("the block ends")
        .0;
    assert!(
        block == code,
        "the README's hyper example differs from tests/examples/hyper_stack.rs: copy the file \
         (from its first line that is not a `//!` comment) into the block after the marker"
    );
}
