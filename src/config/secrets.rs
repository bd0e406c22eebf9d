//! Tokens and API keys: read from the environment or a command at the moment they are needed,
//! registered with the log redactor, never stored or displayed.

use std::fmt;
use std::process::Stdio;
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
    #[error("no token configured: set token_env or token_cmd")]
    NotConfigured,
}

const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves a secret: environment variable first, then command, then (with a warning at start)
/// a literal value.
pub async fn resolve(secret: SecretRef<'_>) -> Result<Secret, SecretError> {
    let value = if let Some(name) = secret.env {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| SecretError::EnvMissing(name.to_owned()))?
    } else if let Some(cmd) = secret.cmd {
        run_command(cmd).await?
    } else if let Some(literal) = secret.literal {
        literal.to_owned()
    } else {
        return Err(SecretError::NotConfigured);
    };
    let value = value.trim().to_owned();
    redact::register(&value);
    Ok(Secret(value))
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
            literal: None,
        })
        .await
        .expect("command works");
        assert_eq!(from_cmd.expose(), "tok-from-cmd");
        let err = resolve(SecretRef {
            env: Some("SPRINTDECK_TEST_SURELY_UNSET_VAR"),
            cmd: None,
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
            literal: None,
        })
        .await
        .expect_err("failing command");
        assert!(failing.to_string().contains("nope"), "{failing}");
    }
}
