//! Issue-to-prompt: an issue poured into a template (minijinja, Jinja/Handlebars-style
//! `{{ title }}`) for a coding agent. Templates are linted when loaded; each render is kept as
//! an immutable version with its token estimate; an agent's answer can be attached to it.

pub mod templates;
pub mod tokens;
pub mod vars;

pub use templates::{Library, LintError, Template};
pub use tokens::Tokenizer;
pub use vars::IssueVars;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::{Config, TokenizerChoice};
use crate::store::prompts::{self, NewVersion, Version};
use crate::store::{Store, StoreError};

/// Where the config keeps templates of its own: `<config dir>/prompts/issue/`.
pub fn template_dir(config_dir: &std::path::Path) -> PathBuf {
    config_dir.join("prompts").join("issue")
}

/// The encoding `[prompts] tokenizer` names, or (auto) the one `[llm] model` implies.
pub fn tokenizer(config: &Config) -> Tokenizer {
    match config.prompts.tokenizer {
        TokenizerChoice::O200k => Tokenizer::O200k,
        TokenizerChoice::Cl100k => Tokenizer::Cl100k,
        TokenizerChoice::Approx => Tokenizer::Approx,
        TokenizerChoice::Auto => config
            .llm
            .as_ref()
            .and_then(|l| l.model.as_deref())
            .map_or(Tokenizer::Approx, Tokenizer::for_model),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("no issue {0} in this database")]
    NoIssue(String),
    #[error("no template `{name}`; templates: {}", known.join(", "))]
    NoTemplate { name: String, known: Vec<String> },
    #[error("template `{template}` needs {}: pass --var NAME=VALUE", missing.join(", "))]
    MissingVars {
        template: String,
        missing: Vec<String>,
    },
    #[error("{0}")]
    Render(LintError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one render asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub issue_id: i64,
    pub template: String,
    /// Values for the template's declared inputs.
    pub vars: BTreeMap<String, String>,
    pub tokenizer: Tokenizer,
    pub author: String,
}

/// A render, kept as a version (a new one only when the text or template changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub version: Version,
    /// False: the same text was rendered before; that version is returned.
    pub created: bool,
    pub chars: usize,
}

/// Renders the issue into the template and keeps the version.
pub async fn render_issue(
    store: &Store,
    library: &Library,
    request: Request,
    now: DateTime<Utc>,
) -> Result<Rendered, PromptError> {
    let template = library
        .get(&request.template)
        .ok_or_else(|| PromptError::NoTemplate {
            name: request.template.clone(),
            known: library.names(),
        })?
        .clone();
    let missing: Vec<String> = template
        .vars
        .iter()
        .filter(|v| !request.vars.contains_key(*v))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(PromptError::MissingVars {
            template: template.name,
            missing,
        });
    }
    let issue = vars::load(store.pool(), request.issue_id)
        .await?
        .ok_or_else(|| PromptError::NoIssue(request.issue_id.to_string()))?;
    let text = templates::render(&template, &issue, &request.vars).map_err(PromptError::Render)?;
    let tokens = request.tokenizer.count(&text);
    let new = NewVersion {
        issue_id: request.issue_id,
        issue_key: issue.key.clone(),
        template: template.name.clone(),
        template_hash: template.hash.clone(),
        tokens: i64::try_from(tokens).unwrap_or(i64::MAX),
        tokenizer: request.tokenizer.name().to_owned(),
        author: request.author,
        text,
    };
    let chars = new.text.chars().count();
    let (version, created) = store
        .writer()
        .transaction(move |c| Box::pin(async move { prompts::record(c, &new, now).await }))
        .await?;
    Ok(Rendered {
        version,
        created,
        chars,
    })
}

/// What rendering needs besides the store: the templates, the tokenizer, who renders, and
/// where `w` writes files.
#[derive(Debug, Clone)]
pub struct Setup {
    pub library: Library,
    pub tokenizer: Tokenizer,
    pub author: String,
    pub out_dir: PathBuf,
    /// Where the team's own prompts replace the built-in ones (`<config dir>/prompts/`).
    pub own_dir: Option<PathBuf>,
}

/// A prompt the app sends: the built-in text or the team's file replacing it, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub text: String,
    /// SHA-256 of the text, recorded with every run that used it.
    pub hash: String,
    /// The file it came from, when not built in.
    pub file: Option<PathBuf>,
}

impl Setup {
    /// `rel` (e.g. `chat/system.md`) from the team's prompt dir when it has that file, else the
    /// built-in text. A file that cannot be read is an error, not a silent fallback.
    pub fn own_prompt(&self, rel: &str, built_in: &str) -> Result<Loaded, String> {
        let file = self
            .own_dir
            .as_ref()
            .map(|d| d.join(rel))
            .filter(|f| f.exists());
        let text = match &file {
            None => built_in.to_owned(),
            Some(f) => std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read {}: {e}", f.display()))?,
        };
        Ok(Loaded {
            hash: crate::store::prompts::sha256(text.as_bytes()),
            text,
            file,
        })
    }
}

impl Setup {
    /// The built-in templates, the approximate tokenizer, files in the temp dir.
    pub fn built_in() -> Self {
        Self {
            library: Library::load(None),
            tokenizer: Tokenizer::Approx,
            author: author(None),
            out_dir: std::env::temp_dir(),
            own_dir: None,
        }
    }

    pub fn from_config(
        config: &Config,
        config_dir: &std::path::Path,
        data_dir: &std::path::Path,
        me: Option<&str>,
    ) -> Self {
        Self {
            library: Library::load(Some(&template_dir(config_dir))),
            tokenizer: tokenizer(config),
            author: author(me),
            out_dir: data_dir.join("prompts"),
            own_dir: Some(config_dir.join("prompts")),
        }
    }
}

/// Who renders: `[ui] me`, else the login name.
pub fn author(me: Option<&str>) -> String {
    me.map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Where `w` writes a version: `<dir>/<key>-<template>-v<id>.md`, the key made file-safe.
pub fn file_for(dir: &std::path::Path, version: &Version) -> PathBuf {
    let key: String = version
        .issue_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{key}-{}-v{}.md", version.template, version.id))
}
