//! Shell completion that knows the workspace: issue keys, source names, `[llm]` profiles and
//! prompt templates. The shell runs `SPRINTDECK_COMPLETE=<shell> sprintdeck -- <words>` on each
//! tab (see `sprintdeck completions`); the config and the database are read only then, and only
//! what the word being completed needs. Anything unreadable completes to nothing, not an error.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::PathBuf;

use clap::CommandFactory as _;
use clap_complete::engine::CompletionCandidate;

use super::args::Cli;
use crate::config::{self, Config, Paths};

/// The variable the shell sets to ask for completions (named for sprintdeck, so that a
/// `COMPLETE` set for something else cannot divert a normal run).
pub const VAR: &str = "SPRINTDECK_COMPLETE";

/// Answers a completion request and exits, when the shell made one ([`VAR`] is set).
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .complete();
}

/// The shell code that asks `sprintdeck` for completions (what `completions SHELL` prints).
pub fn registration(shell: clap_complete::Shell) -> Result<Vec<u8>, crate::Error> {
    let name = shell.to_string();
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(&name)
        .ok_or_else(|| crate::Error::Usage(format!("no dynamic completion for {name}")))?;
    let mut buf = Vec::new();
    completer.write_registration(VAR, "sprintdeck", "sprintdeck", "sprintdeck", &mut buf)?;
    buf.flush()?;
    Ok(buf)
}

/// The config as the command would load it: `SPRINTDECK_CONFIG` or the default file (a
/// `--config` earlier on the line is not seen by completers).
fn context() -> Option<(Paths, Config)> {
    let explicit = std::env::var_os(config::paths::CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let paths = Paths::resolve(explicit).ok()?;
    let config = config::load(&paths.config_file, paths.config_explicit)
        .ok()?
        .unwrap_or_default();
    Some((paths, config))
}

fn matching(
    current: &OsStr,
    items: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    items
        .into_iter()
        .filter(|(value, _)| value.starts_with(current.as_ref()))
        .map(|(value, help)| CompletionCandidate::new(value).help(help.map(Into::into)))
        .collect()
}

/// `[[gitlab]]` and `[[jira]]` names.
pub fn sources(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((_, config)) = context() else {
        return Vec::new();
    };
    let gitlab = config
        .gitlab
        .iter()
        .map(|s| (s.name.clone(), Some(format!("gitlab {}", s.base_url))));
    let jira = config
        .jira
        .iter()
        .map(|s| (s.name.clone(), Some(format!("jira {}", s.base_url))));
    matching(current, gitlab.chain(jira))
}

/// `[llm.profiles.NAME]` names.
pub fn profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((_, config)) = context() else {
        return Vec::new();
    };
    let profiles = config.llm.map(|l| l.profiles).unwrap_or_default();
    matching(
        current,
        profiles.into_iter().map(|(name, p)| {
            let model = p
                .model
                .map(|m| format!("{:?} {m}", p.provider).to_lowercase());
            (name, model)
        }),
    )
}

/// Built-in templates and the config dir's `prompts/issue/*.md`.
pub fn templates(current: &OsStr) -> Vec<CompletionCandidate> {
    let dir = context().map(|(paths, _)| crate::prompt::template_dir(paths.config_dir()));
    let library = crate::prompt::Library::load(dir.as_deref());
    matching(
        current,
        library
            .templates
            .into_iter()
            .map(|t| (t.name, Some(t.description).filter(|d| !d.is_empty()))),
    )
}

/// The most issues offered at once: enough to narrow down, few enough to read.
const MAX_KEYS: i64 = 200;

/// Issue keys in the workspace's database, with their titles.
pub fn issue_keys(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((paths, config)) = context() else {
        return Vec::new();
    };
    let (db, _) = super::workspace::db_path(&paths, &config, None);
    if !db.is_file() {
        return Vec::new();
    }
    let prefix = current.to_string_lossy().into_owned();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let keys = runtime
        .block_on(crate::store::completion::issue_keys(&db, &prefix, MAX_KEYS))
        .unwrap_or_default();
    keys.into_iter()
        .map(|(key, title)| {
            let title = crate::domain::text::sanitize(&title, false);
            CompletionCandidate::new(key).help(Some(title.into()))
        })
        .collect()
}
