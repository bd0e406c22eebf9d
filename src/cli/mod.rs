//! The command line: clap definitions and the headless commands. Output to the terminal goes
//! through [`output`], the one module allowed to print.

pub mod args;
mod ask;
pub mod auth;
mod commands;
pub mod complete;
mod docs;
mod generate;
pub mod output;
mod prompt;
mod proposals;
mod report;
mod serve;
mod sync;
mod tui;
pub mod workspace;

pub use args::{Cli, Command};
pub use commands::{Context, run};

/// Resolves paths, clock and config for `cli`.
pub fn commands_context(cli: Cli) -> Result<Context, crate::Error> {
    Context::load(cli)
}
