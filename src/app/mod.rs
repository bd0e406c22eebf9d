//! The application: state, messages, effects, `update`, and the runtime that runs effects.
//! `update(&mut State, Msg) -> Vec<Effect>` is testable with no terminal, tokio or network.
//!
//! - `state/`: the state, a file per pane; `msg`: `Msg` and `Effect` (and which effects write).
//! - `update`: messages; `keys`: keys → keymap actions in the context the keyboard is in, the
//!   read-only gate, and each context's handler (`backlog`, `detail`, `filter`, `board`,
//!   `dashboard`, `chat/`, `proposals/`, `generator/`, `prompt`, `overlays`).
//! - `clean`: how each record is cleaned of escape sequences when it enters (the UI draws only
//!   `SafeText` and `Safe` records); `layout`: where things are on screen.
//! - `runtime/`: the event loop (`mod`), the `executor` that runs effects as tasks, `effects`
//!   (which handler answers an effect) and a file of handlers per feature; `desktop`: copy, open,
//!   the editor.
//!
//! A new pane: its state in `state/`, a `Tab` and a `Context` (keymap section in
//! `assets/keymap.toml`), its handler routed from `keys::in_context`, its effects' handlers in
//! `runtime/`, its drawing in `ui/`. A new key: an `Action` in `keymap/action.rs` (and
//! `writes()` if it changes data), a binding in `assets/keymap.toml`, its case in the pane's
//! handler; help lists it, and the pane's hint line can name it through `ui::hints`.

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
