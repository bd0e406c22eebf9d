//! sprintdeck: a terminal dashboard for agile teams whose issues live in GitLab and Jira.
//! See DESIGN.md for the architecture; `cli::run` is the entry point.

pub mod app;
pub mod cli;
pub mod clipboard;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod export;
pub mod generator;
pub mod keymap;
pub mod llm;
pub mod logging;
pub mod planning;
pub mod prompt;
pub mod report;
pub mod store;
pub mod sync;
pub mod terminal;
pub mod ui;

/// Errors that end a command. `exit_code` maps them: 2 for things the user must fix in their
/// input (config, arguments, query), 1 for everything else.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Clock(#[from] clock::ClockError),
    #[error(transparent)]
    Paths(#[from] config::paths::NoHome),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("bad query:\n{0}")]
    Query(String),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("doctor found problems (see above)")]
    Unhealthy,
    /// The report cannot be trusted (empty or stale data): exit 1 so cron notices.
    #[error("{0}")]
    Report(String),
    /// A source failed to sync (the message names it and why): exit 1.
    #[error("{0}")]
    Sync(String),
    /// The language model failed to answer (the message says why): exit 1.
    #[error("{0}")]
    Llm(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Clock(_) | Self::Paths(_) | Self::Query(_) | Self::Usage(_) => {
                2
            }
            Self::Store(e) if e.is_input() => 2,
            Self::Store(_)
            | Self::Io(_)
            | Self::Unhealthy
            | Self::Report(_)
            | Self::Sync(_)
            | Self::Llm(_) => 1,
        }
    }
}
