//! Tokens and API keys: read from the environment, a command or the OS keyring at the moment
//! they are needed, registered with the log redactor, never stored by sprintdeck or displayed.

use std::fmt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use super::schema::{Config, SecretRef};
use crate::logging::redact;

/// A secret value. `Debug` and `Display` print a placeholder, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret known some other way (tests, a prompt); registered with the log redactor.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        redact::register(&value);
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {0} is not set (named by token_env)")]
    EnvMissing(String),
    #[error("token_cmd `{cmd}` failed: {reason}")]
    Command { cmd: String, reason: String },
    #[error("no token configured: set token_env, token_cmd or token_keyring")]
    NotConfigured,
    #[error("{0:?} should be SERVICE/ACCOUNT, e.g. \"sprintdeck/work\" (named by token_keyring)")]
    KeyringName(String),
    #[error(
        "nothing is stored in the OS keyring under {0} (named by token_keyring); store it with `sprintdeck auth login`"
    )]
    KeyringEmpty(KeyringEntry),
    #[error("the OS keyring entry {entry}: {reason}")]
    Keyring { entry: KeyringEntry, reason: String },
}

/// An entry in the OS keyring, written `SERVICE/ACCOUNT` in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringEntry {
    pub service: String,
    pub account: String,
}

impl KeyringEntry {
    /// `sprintdeck/work` → service `sprintdeck`, account `work` (the account may hold `/`).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        match text.split_once('/') {
            Some((service, account))
                if !service.trim().is_empty() && !account.trim().is_empty() =>
            {
                Ok(Self {
                    service: service.trim().to_owned(),
                    account: account.trim().to_owned(),
                })
            }
            _ => Err(SecretError::KeyringName(text.to_owned())),
        }
    }
}

impl fmt::Display for KeyringEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}/{}\"", self.service, self.account)
    }
}

/// Where `token_keyring` entries live: the OS keyring, or a stand-in in tests. Calls may block
/// (a desktop keyring can ask the user), so they run off the async threads.
pub trait KeyStore: Send + Sync {
    /// The secret stored under `entry`, if any.
    fn get(&self, entry: &KeyringEntry) -> Result<Option<String>, String>;
    fn set(&self, entry: &KeyringEntry, secret: &str) -> Result<(), String>;
    /// Whether there was something to delete.
    fn delete(&self, entry: &KeyringEntry) -> Result<bool, String>;
}

/// The operating system's keyring through the `keyring` crate: the Keychain on macOS, the
/// Credential Manager on Windows, the kernel's keyutils keyring on Linux.
pub struct OsKeyring;

impl OsKeyring {
    fn entry(entry: &KeyringEntry) -> Result<keyring::Entry, String> {
        // A process started without a session keyring (cron, a container, SSH without
        // pam_keyinit) gets one here, with the user's persistent keyring linked in, before the
        // keyring crate looks the session up: otherwise it writes into the user-session keyring,
        // which it may not (EACCES, reported as "no entry"), and cannot read what another
        // process stored.
        #[cfg(target_os = "linux")]
        let _ = linux_keyutils::KeyRing::get_persistent(linux_keyutils::KeyRingIdentifier::Session);
        keyring::Entry::new(&entry.service, &entry.account).map_err(|e| e.to_string())
    }
}

impl KeyStore for OsKeyring {
    fn get(&self, entry: &KeyringEntry) -> Result<Option<String>, String> {
        match Self::entry(entry)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, entry: &KeyringEntry, secret: &str) -> Result<(), String> {
        Self::entry(entry)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn delete(&self, entry: &KeyringEntry) -> Result<bool, String> {
        match Self::entry(entry)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }
}

const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves a secret: environment variable first, then command, then the OS keyring, then
/// (with a warning at start) a literal value.
pub async fn resolve(secret: SecretRef<'_>) -> Result<Secret, SecretError> {
    resolve_with(secret, Arc::new(OsKeyring)).await
}

/// [`resolve`] with `token_keyring` read from `store`.
pub async fn resolve_with(
    secret: SecretRef<'_>,
    store: Arc<dyn KeyStore>,
) -> Result<Secret, SecretError> {
    let value = if let Some(name) = secret.env {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| SecretError::EnvMissing(name.to_owned()))?
    } else if let Some(cmd) = secret.cmd {
        run_command(cmd).await?
    } else if let Some(name) = secret.keyring {
        from_keyring(KeyringEntry::parse(name)?, store).await?
    } else if let Some(literal) = secret.literal {
        literal.to_owned()
    } else {
        return Err(SecretError::NotConfigured);
    };
    let value = value.trim().to_owned();
    redact::register(&value);
    Ok(Secret(value))
}

async fn from_keyring(
    entry: KeyringEntry,
    store: Arc<dyn KeyStore>,
) -> Result<String, SecretError> {
    let asked = entry.clone();
    let found = tokio::task::spawn_blocking(move || store.get(&asked))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    match found {
        Ok(Some(value)) if !value.trim().is_empty() => Ok(value),
        Ok(_) => Err(SecretError::KeyringEmpty(entry)),
        Err(reason) => Err(SecretError::Keyring { entry, reason }),
    }
}

async fn run_command(cmd: &str) -> Result<String, SecretError> {
    let fail = |reason: String| SecretError::Command {
        cmd: cmd.to_owned(),
        reason,
    };
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| fail(format!("no answer within {}s", COMMAND_TIMEOUT.as_secs())))?
        .map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(fail(format!(
            "exit status {}: {}",
            output.status,
            stderr.lines().next().unwrap_or("").trim()
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| fail("output is not UTF-8".into()))
        .and_then(|s| {
            if s.trim().is_empty() {
                Err(fail("printed nothing".into()))
            } else {
                Ok(s)
            }
        })
}

/// Start-up warnings: secrets written into the file, or a token pasted where an env var name
/// belongs. The warning shows only the first characters of the value.
pub fn warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |place: String, secret: SecretRef<'_>, literal_key: &str, env_key: &str| {
        let prefix = env_key.trim_end_matches("_env");
        if let Some(Err(e)) = secret.keyring.map(KeyringEntry::parse) {
            out.push(format!("{place}.{prefix}_keyring: {e}"));
        }
        let named: Vec<String> = [
            (secret.env.is_some(), "_env"),
            (secret.cmd.is_some(), "_cmd"),
            (secret.keyring.is_some(), "_keyring"),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, suffix)| format!("{prefix}{suffix}"))
        .collect();
        if let [first, rest @ ..] = named.as_slice()
            && !rest.is_empty()
        {
            out.push(format!(
                "{place} names {} and {}: only {first} is read",
                named[..named.len() - 1].join(", "),
                named[named.len() - 1]
            ));
        }
        if let Some(value) = secret.literal {
            out.push(format!(
                "{place}.{literal_key} holds a secret in plain text ({}); move it to an environment variable ({env_key}) or a command",
                preview(value)
            ));
        }
        if let Some(name) = secret.env
            && !looks_like_env_name(name)
        {
            out.push(format!(
                    "{place}.{env_key} should name an environment variable, but {} looks like the secret itself; set {env_key} = \"MY_TOKEN\" and export MY_TOKEN",
                    preview(name)
                ));
        }
    };
    for (i, s) in config.gitlab.iter().enumerate() {
        check(format!("gitlab[{i}]"), s.secret(), "token", "token_env");
    }
    for (i, s) in config.jira.iter().enumerate() {
        check(format!("jira[{i}]"), s.secret(), "token", "token_env");
    }
    if let Some(llm) = &config.llm {
        check(
            "llm".into(),
            llm.default_profile().secret(),
            "api_key",
            "api_key_env",
        );
        for (name, profile) in &llm.profiles {
            check(
                format!("llm.profiles.{name}"),
                profile.secret(),
                "api_key",
                "api_key_env",
            );
        }
    }
    out
}

fn preview(value: &str) -> String {
    let head: String = value.chars().take(4).collect();
    format!("`{head}…`")
}

fn looks_like_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.chars().any(|c| c.is_ascii_lowercase())
        || name.len() < 20 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_versus_tokens() {
        assert!(looks_like_env_name("GITLAB_TOKEN"));
        assert!(looks_like_env_name("gitlab_token"));
        assert!(!looks_like_env_name("glpat-abcdefghijklmnopqrst"));
        assert!(!looks_like_env_name("ATATT3xFfGF0abcdefghijklmnop1234"));
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret("hunter2-very-secret".into());
        assert_eq!(format!("{s:?} {s}"), "Secret([REDACTED]) [REDACTED]");
    }

    #[tokio::test]
    async fn resolves_from_command_and_env() {
        let from_cmd = resolve(SecretRef {
            env: None,
            cmd: Some("printf 'tok-from-cmd\\n'"),
            keyring: None,
            literal: None,
        })
        .await
        .expect("command works");
        assert_eq!(from_cmd.expose(), "tok-from-cmd");
        let err = resolve(SecretRef {
            env: Some("SPRINTDECK_TEST_SURELY_UNSET_VAR"),
            cmd: None,
            keyring: None,
            literal: None,
        })
        .await
        .expect_err("unset env");
        assert_eq!(
            err.to_string(),
            "environment variable SPRINTDECK_TEST_SURELY_UNSET_VAR is not set (named by token_env)"
        );
        let failing = resolve(SecretRef {
            env: None,
            cmd: Some("echo nope >&2; exit 3"),
            keyring: None,
            literal: None,
        })
        .await
        .expect_err("failing command");
        assert!(failing.to_string().contains("nope"), "{failing}");
    }
}
