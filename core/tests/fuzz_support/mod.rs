//! What the fuzz targets check, shared with the properties that run in CI and the
//! replays of crash inputs. See `core/fuzz/README.md`.

pub mod input;
pub mod parse;
