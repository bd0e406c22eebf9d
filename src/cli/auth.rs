//! `sprintdeck auth login|logout`: a source's token (or an `[llm]` profile's key) kept in the OS
//! keyring, where `token_keyring` / `api_key_keyring` point. The token is read without echo from
//! the terminal, or from standard input when that is not one (`pass show x | sprintdeck auth
//! login work`), and is never printed.

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Read as _};
use std::path::Path;

use super::output;
use crate::Error;
use crate::config::Config;
use crate::config::secrets::{KeyStore, KeyringEntry, OsKeyring, Secret};

/// Whose secret: a source by name, or an `[llm]` profile (`None`: the keys under `[llm]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Source(String),
    Llm(Option<String>),
}

/// An owner as the config describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// "gitlab source \"work\"", "[llm] profile \"local\"".
    pub what: String,
    /// Where its keys are written: `[[gitlab]] name = "work"`.
    pub table: String,
    /// `token_keyring` or `api_key_keyring`.
    pub key: &'static str,
    /// The entry the config names, if it names one.
    pub configured: Option<String>,
    /// The entry used when the config names none.
    pub default_entry: String,
    /// A key read before the keyring (`token_env`, `token_cmd`), if set.
    pub shadowed_by: Option<&'static str>,
}

impl Target {
    /// The entry to store under.
    pub fn entry(&self) -> Result<KeyringEntry, Error> {
        let name = self.configured.as_deref().unwrap_or(&self.default_entry);
        KeyringEntry::parse(name).map_err(|e| Error::Usage(format!("{}: {e}", self.table)))
    }
}

/// The config's description of `owner`, or what there is to choose from.
pub fn target(config: &Config, owner: &Owner) -> Result<Target, Error> {
    match owner {
        Owner::Source(name) => {
            let shadow = |env: &Option<String>, cmd: &Option<String>| {
                if env.is_some() {
                    Some("token_env")
                } else {
                    cmd.as_ref().map(|_| "token_cmd")
                }
            };
            if let Some(s) = config.gitlab.iter().find(|s| &s.name == name) {
                return Ok(Target {
                    what: format!("gitlab source {name:?}"),
                    table: format!("[[gitlab]] name = {name:?}"),
                    key: "token_keyring",
                    configured: s.token_keyring.clone(),
                    default_entry: format!("sprintdeck/{name}"),
                    shadowed_by: shadow(&s.token_env, &s.token_cmd),
                });
            }
            if let Some(s) = config.jira.iter().find(|s| &s.name == name) {
                return Ok(Target {
                    what: format!("jira source {name:?}"),
                    table: format!("[[jira]] name = {name:?}"),
                    key: "token_keyring",
                    configured: s.token_keyring.clone(),
                    default_entry: format!("sprintdeck/{name}"),
                    shadowed_by: shadow(&s.token_env, &s.token_cmd),
                });
            }
            let names: Vec<&str> = config
                .gitlab
                .iter()
                .map(|s| s.name.as_str())
                .chain(config.jira.iter().map(|s| s.name.as_str()))
                .collect();
            Err(Error::Usage(format!(
                "no source named {name:?}; sources: {} (or --llm for an [llm] profile)",
                if names.is_empty() {
                    "none configured".to_owned()
                } else {
                    names.join(", ")
                }
            )))
        }
        Owner::Llm(profile) => {
            let llm = config
                .llm
                .as_ref()
                .ok_or_else(|| Error::Usage("no [llm] in the config".to_owned()))?;
            let chosen = llm.profile(profile.as_deref()).map_err(Error::Usage)?;
            let (what, table, default_entry) = match profile {
                Some(p) => (
                    format!("[llm] profile {p:?}"),
                    format!("[llm.profiles.{p}]"),
                    format!("sprintdeck/llm.{p}"),
                ),
                None => (
                    "[llm]".to_owned(),
                    "[llm]".to_owned(),
                    "sprintdeck/llm".to_owned(),
                ),
            };
            let shadowed_by = if chosen.api_key_env.is_some() {
                Some("api_key_env")
            } else {
                chosen.api_key_cmd.as_ref().map(|_| "api_key_cmd")
            };
            Ok(Target {
                what,
                table,
                key: "api_key_keyring",
                configured: chosen.api_key_keyring,
                default_entry,
                shadowed_by,
            })
        }
    }
}

/// Stores `token` for `owner` in `store` and reads it back: what to tell the user.
pub fn login(
    config: &Config,
    config_file: &Path,
    owner: &Owner,
    token: &Secret,
    store: &dyn KeyStore,
) -> Result<String, Error> {
    let target = target(config, owner)?;
    let entry = target.entry()?;
    let failed = |why: String| Error::Usage(format!("the OS keyring refused {entry}: {why}"));
    store.set(&entry, token.expose()).map_err(failed)?;
    // A keyring that accepts and forgets (no session keyring, say) must not pass for one that kept it.
    match store.get(&entry).map_err(failed)? {
        Some(kept) if kept == token.expose() => {}
        _ => return Err(failed("it did not keep the token".to_owned())),
    }
    let mut said = format!(
        "stored the token for {} in the OS keyring as {entry}",
        target.what
    );
    if target.configured.is_none() {
        let _ = write!(
            said,
            "\nadd {} = \"{}\" under {} in {} so sprintdeck reads it",
            target.key,
            target.default_entry,
            target.table,
            config_file.display()
        );
    }
    if let Some(first) = target.shadowed_by {
        let _ = write!(
            said,
            "\nnote: {first} is also set there and is read first; remove it to use the keyring"
        );
    }
    Ok(said)
}

/// Removes what `login` stored for `owner`.
pub fn logout(config: &Config, owner: &Owner, store: &dyn KeyStore) -> Result<String, Error> {
    let target = target(config, owner)?;
    let entry = target.entry()?;
    let removed = store
        .delete(&entry)
        .map_err(|why| Error::Usage(format!("the OS keyring refused {entry}: {why}")))?;
    Ok(if removed {
        format!("removed the token for {} ({entry})", target.what)
    } else {
        format!("nothing was stored for {} ({entry})", target.what)
    })
}

/// The token: typed without echo at a terminal, else standard input (trailing newline dropped).
fn read_token(what: &str) -> Result<Secret, Error> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("token for {what} (not shown): "))?
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::Usage(format!(
            "no token given for {what}: type it at the prompt, or pipe it in"
        )));
    }
    if token.contains('\n') {
        return Err(Error::Usage(
            "the token spans several lines; give it alone on one line".to_owned(),
        ));
    }
    Ok(Secret::new(token))
}

/// `sprintdeck auth login|logout` against the OS keyring.
pub fn run(
    config: &Config,
    config_file: &Path,
    owner: &Owner,
    logging_out: bool,
) -> Result<(), Error> {
    let said = if logging_out {
        logout(config, owner, &OsKeyring)?
    } else {
        let what = target(config, owner)?.what;
        let token = read_token(&what)?;
        login(config, config_file, owner, &token, &OsKeyring)?
    };
    output::note(&said);
    Ok(())
}
