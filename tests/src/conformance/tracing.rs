//! The checks of this group (see [`super::Group`]).
use super::{Caller, Check};

/// The checks of this group, in the order they run.
pub(super) fn checks<C: Caller>() -> Vec<Check<C>> {
    vec![]
}
