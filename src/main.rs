use std::process::ExitCode;

use clap::Parser;
use sprintdeck::cli::{self, Cli, output};

// Sync parses and maps many small JSON values; mimalloc takes most of the allocator cost that
// glibc's malloc showed in profiles of a bootstrap.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A shell asking what to complete (`SPRINTDECK_COMPLETE=bash sprintdeck -- …`) is answered,
    // then the process exits.
    cli::complete::answer_if_asked();
    install_panic_hook();
    let cli = Cli::parse();
    let ctx = match cli::commands_context(cli) {
        Ok(ctx) => ctx,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::from(e.exit_code());
        }
    };
    let _log_guard = sprintdeck::logging::init(&ctx.paths.log_dir());
    tracing::info!(command = ?ctx.cli.command, "start");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::error(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(ctx)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            output::error(&e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Restores the terminal, logs the panic, then lets color-eyre print its report.
fn install_panic_hook() {
    let (panic_hook, _) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    let report = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        sprintdeck::terminal::restore();
        tracing::error!("panic: {info}");
        report(info);
    }));
}
