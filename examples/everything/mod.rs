//! The everything server's handlers, one file per kind; `everything_server.rs` registers them.

mod asking;
mod output;
mod prompts;
mod replica;
mod resources;
mod schema;
mod skills;
mod state;
mod tasks;
mod working;

pub(crate) use asking::*;
pub(crate) use output::*;
pub(crate) use prompts::*;
pub(crate) use replica::*;
pub(crate) use resources::*;
pub(crate) use schema::*;
pub(crate) use skills::*;
pub(crate) use state::*;
pub(crate) use tasks::*;
pub(crate) use working::*;
