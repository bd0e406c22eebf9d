//! Logs go to a daily file in the data dir, never to the terminal while the UI runs. Every line
//! passes through [`redact`] first.

pub mod redact;

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub const LOG_ENV: &str = "SPRINTDECK_LOG";

/// Starts file logging. Keep the guard alive for the program's life: dropping it flushes.
/// A log dir that cannot be created disables logging rather than stopping the program.
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    std::fs::create_dir_all(log_dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("sprintdeck")
        .filename_suffix("log")
        .max_log_files(14)
        .build(log_dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(redact::RedactingWriter::new(writer))
        .try_init()
        .is_ok();
    installed.then_some(guard)
}
