//! The application: state, messages, effects, `update`, and the runtime that runs effects.
//! `update(&mut State, Msg) -> Vec<Effect>` is testable with no terminal, tokio or network.

mod backlog;
mod board;
pub mod chat;
mod clean;
mod dashboard;
mod detail;
mod filter;
pub mod generator;
mod keys;
pub mod layout;
pub mod msg;
mod overlays;
mod prompt;
pub mod proposals;
pub mod runtime;
pub mod state;
mod sync;
mod update;

pub use keys::{act, context, hint_context, pane_context, refused};
pub use msg::{BacklogPage, BacklogRequest, Effect, Msg, SourceFreshness};
pub use state::State;
pub use update::{flash, init, update};
