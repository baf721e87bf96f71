//! `toolsmith new`: not written yet.

use std::path::Path;

use crate::error::Failure;

/// Create the project (not written yet).
pub fn run(_name: &str, _dir: Option<&Path>, _toolsmith: Option<&Path>) -> Result<(), Failure> {
    Err(Failure::Local(
        "`toolsmith new` is not available yet".into(),
    ))
}
