//! Tokens in the OS keyring: `token_keyring` / `api_key_keyring` in the config, `auth login` and
//! `auth logout`, against an in-memory keyring (no desktop keyring needed), and the binary's
//! refusals.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use sprintdeck::cli::auth::{self, Owner};
use sprintdeck::config::secrets::{self, KeyStore, KeyringEntry, Secret};
use sprintdeck::config::{Config, parse_str};

/// A keyring in memory; `forgets` makes it accept and keep nothing (a keyring without a session).
#[derive(Default)]
struct MemoryKeyring {
    entries: Mutex<HashMap<(String, String), String>>,
    forgets: bool,
}

impl KeyStore for MemoryKeyring {
    fn get(&self, entry: &KeyringEntry) -> Result<Option<String>, String> {
        let entries = self.entries.lock().map_err(|e| e.to_string())?;
        Ok(entries
            .get(&(entry.service.clone(), entry.account.clone()))
            .cloned())
    }

    fn set(&self, entry: &KeyringEntry, secret: &str) -> Result<(), String> {
        if !self.forgets {
            let mut entries = self.entries.lock().map_err(|e| e.to_string())?;
            entries.insert(
                (entry.service.clone(), entry.account.clone()),
                secret.to_owned(),
            );
        }
        Ok(())
    }

    fn delete(&self, entry: &KeyringEntry) -> Result<bool, String> {
        let mut entries = self.entries.lock().map_err(|e| e.to_string())?;
        Ok(entries
            .remove(&(entry.service.clone(), entry.account.clone()))
            .is_some())
    }
}

const CONFIG: &str = r#"
[[gitlab]]
name = "work"
base_url = "https://gitlab.example.com"
token_keyring = "sprintdeck-test/work"

[[jira]]
name = "tracker"
base_url = "https://jira.example.com"
email = "me@example.com"

[[jira]]
name = "both"
base_url = "https://jira.example.com"
token_env = "SPRINTDECK_TEST_BOTH_TOKEN"
token_keyring = "sprintdeck-test/both"

[llm]
provider = "anthropic"
model = "claude"
api_key_keyring = "sprintdeck-test/anthropic"

[llm.profiles.local]
provider = "openai"
base_url = "http://127.0.0.1:1/v1"
model = "small"
api_key_keyring = "sprintdeck-test/local"
"#;

fn config() -> Config {
    parse_str(CONFIG, Path::new("config.toml")).expect("the keyring keys are accepted")
}

#[tokio::test]
async fn a_token_logged_in_is_what_token_keyring_reads_until_logged_out() {
    let config = config();
    let store = Arc::new(MemoryKeyring::default());
    let work = Owner::Source("work".to_owned());
    let said = auth::login(
        &config,
        Path::new("config.toml"),
        &work,
        &Secret::new("glpat-logged-in-token"),
        store.as_ref(),
    )
    .expect("stored");
    assert_eq!(
        said,
        "stored the token for gitlab source \"work\" in the OS keyring as \"sprintdeck-test/work\""
    );
    assert!(!said.contains("glpat"), "the token is never shown");
    let read = secrets::resolve_with(config.gitlab[0].secret(), store.clone())
        .await
        .expect("resolved");
    assert_eq!(read.expose(), "glpat-logged-in-token");

    let said = auth::logout(&config, &work, store.as_ref()).expect("removed");
    assert_eq!(
        said,
        "removed the token for gitlab source \"work\" (\"sprintdeck-test/work\")"
    );
    let err = secrets::resolve_with(config.gitlab[0].secret(), store.clone())
        .await
        .expect_err("gone");
    assert_eq!(
        err.to_string(),
        "nothing is stored in the OS keyring under \"sprintdeck-test/work\" (named by token_keyring); store it with `sprintdeck auth login`"
    );
}

#[tokio::test]
async fn llm_profiles_keep_their_keys_apart() {
    let config = config();
    let store = Arc::new(MemoryKeyring::default());
    for (profile, key) in [(None, "sk-default"), (Some("local"), "sk-local")] {
        auth::login(
            &config,
            Path::new("config.toml"),
            &Owner::Llm(profile.map(str::to_owned)),
            &Secret::new(key),
            store.as_ref(),
        )
        .expect("stored");
    }
    let llm = config.llm.as_ref().expect("llm");
    for (profile, key) in [(None, "sk-default"), (Some("local"), "sk-local")] {
        let chosen = llm.profile(profile).expect("profile");
        let read = secrets::resolve_with(chosen.secret(), store.clone())
            .await
            .expect("resolved");
        assert_eq!(read.expose(), key);
    }
}

#[test]
fn a_source_without_token_keyring_is_told_the_line_to_add() {
    let config = config();
    let store = MemoryKeyring::default();
    let said = auth::login(
        &config,
        Path::new("/home/me/.config/sprintdeck/config.toml"),
        &Owner::Source("tracker".to_owned()),
        &Secret::new("jira-api-token"),
        &store,
    )
    .expect("stored");
    assert_eq!(
        said,
        "stored the token for jira source \"tracker\" in the OS keyring as \"sprintdeck/tracker\"\n\
         add token_keyring = \"sprintdeck/tracker\" under [[jira]] name = \"tracker\" in \
         /home/me/.config/sprintdeck/config.toml so sprintdeck reads it"
    );
    // A source that also names token_env is told which one wins.
    let said = auth::login(
        &config,
        Path::new("config.toml"),
        &Owner::Source("both".to_owned()),
        &Secret::new("jira-api-token"),
        &store,
    )
    .expect("stored");
    assert!(
        said.ends_with(
            "note: token_env is also set there and is read first; remove it to use the keyring"
        ),
        "{said}"
    );
}

#[test]
fn unknown_names_and_a_keyring_that_forgets_are_errors() {
    let config = config();
    let store = MemoryKeyring::default();
    let err = auth::login(
        &config,
        Path::new("config.toml"),
        &Owner::Source("nope".to_owned()),
        &Secret::new("x"),
        &store,
    )
    .expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "no source named \"nope\"; sources: work, tracker, both (or --llm for an [llm] profile)"
    );
    assert_eq!(err.exit_code(), 2);
    let err = auth::login(
        &config,
        Path::new("config.toml"),
        &Owner::Llm(Some("cloud".to_owned())),
        &Secret::new("x"),
        &store,
    )
    .expect_err("unknown profile");
    assert_eq!(err.to_string(), "no [llm.profiles.cloud]; profiles: local");
    let forgetful = MemoryKeyring {
        forgets: true,
        ..MemoryKeyring::default()
    };
    let err = auth::login(
        &config,
        Path::new("config.toml"),
        &Owner::Source("work".to_owned()),
        &Secret::new("x"),
        &forgetful,
    )
    .expect_err("not kept");
    assert_eq!(
        err.to_string(),
        "the OS keyring refused \"sprintdeck-test/work\": it did not keep the token"
    );
}

#[test]
fn start_up_warns_about_a_malformed_entry_and_two_sources_of_one_token() {
    let config = parse_str(
        "[[gitlab]]\nname = \"w\"\ntoken_keyring = \"no-slash\"\n\n\
         [[jira]]\nname = \"j\"\nbase_url = \"https://j.example.com\"\n\
         token_cmd = \"pass show j\"\ntoken_keyring = \"sprintdeck/j\"\n",
        Path::new("config.toml"),
    )
    .expect("parses");
    let warnings = secrets::warnings(&config);
    assert_eq!(
        warnings,
        [
            "gitlab[0].token_keyring: \"no-slash\" should be SERVICE/ACCOUNT, e.g. \"sprintdeck/work\" (named by token_keyring)",
            "jira[0] names token_cmd and token_keyring: only token_cmd is read",
        ]
    );
}

/// The binary with `config` and standard input from `stdin` (not a terminal).
fn run_auth(config: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("config.toml"), config).expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("SPRINTDECK_DATA_DIR", dir.path().join("data"))
        .env("SPRINTDECK_CONFIG", dir.path().join("config.toml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("written");
    child.wait_with_output().expect("finishes")
}

#[test]
fn the_command_refuses_unknown_sources_and_empty_input_before_touching_the_keyring() {
    let unknown = run_auth(CONFIG, &["auth", "login", "nope"], "token\n");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no source named \"nope\"; sources: work"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let empty = run_auth(CONFIG, &["auth", "login", "work"], "\n");
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&empty.stderr)
            .contains("no token given for gitlab source \"work\""),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );
    let no_name = run_auth(CONFIG, &["auth", "login"], "");
    assert_eq!(no_name.status.code(), Some(2), "clap asks for the source");
}
