//! The application: state, messages, effects, `update`, and the runtime that runs effects.
//! `update(&mut State, Msg) -> Vec<Effect>` is testable with no terminal, tokio or network.

mod backlog;
mod board;
pub mod chat;
mod dashboard;
mod detail;
pub mod generator;
pub mod layout;
pub mod msg;
mod prompt;
pub mod proposals;
pub mod runtime;
pub mod state;
mod sync;
mod update;

pub use msg::{BacklogPage, BacklogRequest, Effect, Msg, SourceFreshness};
pub use state::State;
pub use update::{context, flash, init, update};
