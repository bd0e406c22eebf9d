//! Shell completion and the manual, through the real binary: issue keys from the workspace's
//! database, sources and profiles from the config, templates from the library, and a real bash
//! running the registered completion function.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::common::NOW;

const CONFIG: &str = r#"
[[gitlab]]
name = "work"
base_url = "https://gitlab.example.com"
token_env = "X"

[[jira]]
name = "tracker"
base_url = "https://jira.example.com"
token_env = "Y"

[llm.profiles.local]
provider = "ollama"
model = "small"

[llm.profiles.cloud]
provider = "anthropic"
model = "big"
"#;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// `config`, and the demo database in the data dir (made by a first export).
    fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.toml"), config).expect("config");
        let env = Self { dir };
        // With sources configured the workspace is the synced database: put the demo there.
        let db = env.dir.path().join("data").join("sprintdeck.db");
        std::fs::create_dir_all(db.parent().expect("dir")).expect("data dir");
        let made = env
            .command(&["demo", "--out", db.to_str().expect("utf8")])
            .output();
        assert!(made.expect("runs").status.success());
        env
    }

    /// `program` in this environment, the binary's directory first on `PATH` (the completion
    /// script calls `sprintdeck` by name).
    fn program(&self, program: &std::ffi::OsStr) -> Command {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_sprintdeck"));
        let path = std::env::join_paths(
            std::iter::once(bin.parent().expect("bin dir").to_path_buf()).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
            ),
        )
        .expect("PATH");
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("SPRINTDECK_DATA_DIR", self.dir.path().join("data"))
            .env("SPRINTDECK_CONFIG", self.dir.path().join("config.toml"))
            .env("SPRINTDECK_NOW", NOW);
        command
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.program(env!("CARGO_BIN_EXE_sprintdeck").as_ref());
        command.args(args);
        command
    }

    /// What the binary offers for the last of `words` (fish's protocol: one per line).
    fn complete(&self, words: &[&str]) -> Vec<String> {
        let mut args = vec!["--", "sprintdeck"];
        args.extend_from_slice(words);
        let out = self
            .command(&args)
            .env("SPRINTDECK_COMPLETE", "fish")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn values(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l.split('\t').next().unwrap_or_default())
        .collect()
}

#[test]
fn issue_keys_come_from_the_database_with_their_titles() {
    let env = Env::new(CONFIG);
    let offered = env.complete(&["prompt", "render", "OPS-1"]);
    assert!(!offered.is_empty(), "keys offered");
    assert!(
        values(&offered).iter().all(|k| k.starts_with("OPS-1")),
        "{offered:?}"
    );
    assert!(
        offered
            .iter()
            .all(|l| l.split('\t').nth(1).is_some_and(|t| !t.is_empty())),
        "each with its title: {offered:?}"
    );
    let versions = env.complete(&["prompt", "versions", "web/shop#1"]);
    assert!(
        !versions.is_empty()
            && values(&versions)
                .iter()
                .all(|k| k.starts_with("web/shop#1")),
        "{versions:?}"
    );
}

#[test]
fn sources_profiles_and_templates_come_from_the_config() {
    let env = Env::new(CONFIG);
    assert_eq!(
        values(&env.complete(&["sync", "--source", ""])),
        ["work", "tracker"]
    );
    assert_eq!(
        values(&env.complete(&["push", "--source", "t"])),
        ["tracker"]
    );
    assert_eq!(values(&env.complete(&["auth", "login", "w"])), ["work"]);
    assert_eq!(
        values(&env.complete(&["ask", "--profile", ""])),
        ["cloud", "local"]
    );
    let templates = env.complete(&["prompt", "render", "OPS-1", "--template", ""]);
    for built_in in ["implement", "write-tests", "review"] {
        assert!(values(&templates).contains(&built_in), "{templates:?}");
    }
}

#[test]
fn bash_completes_an_issue_key_through_the_registered_function() {
    let env = Env::new(CONFIG);
    let script = "source <(sprintdeck completions bash) || exit 9
COMP_WORDS=(sprintdeck prompt render OPS-12)
COMP_CWORD=3
COMP_TYPE=9
_clap_complete_sprintdeck sprintdeck OPS-12 render
printf '%s\\n' \"${COMPREPLY[@]}\"";
    let out: Output = env
        .program("bash".as_ref())
        .args(["--norc", "--noprofile", "-c", script])
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys: Vec<&str> = stdout.lines().collect();
    assert!(keys.contains(&"OPS-12"), "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("OPS-12")), "{keys:?}");
}

#[test]
fn man_prints_one_commands_page_or_writes_them_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Env {
        dir: tempfile::tempdir().expect("tempdir"),
    };
    std::fs::write(env.dir.path().join("config.toml"), "").expect("config");
    // No workspace is opened for the manual.
    let report = env.command(&["man", "report"]).output().expect("runs");
    assert!(report.status.success());
    let page = String::from_utf8_lossy(&report.stdout);
    assert!(page.contains(".TH sprintdeck-report 1"), "{page:.300}");
    assert!(page.contains("max\\-age"), "the options are there");
    let nested = env
        .command(&["man", "auth", "login"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&nested.stdout).contains(".TH sprintdeck-auth-login 1"));
    let unknown = env.command(&["man", "nope"]).output().expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
    let all = env
        .command(&["man", "--dir", dir.path().to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    for page in [
        "sprintdeck.1",
        "sprintdeck-report.1",
        "sprintdeck-auth-login.1",
    ] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
}
