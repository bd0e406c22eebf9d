//! A config file pointing sprintdeck at servers that hold the world: one `[[gitlab]]` source
//! for group `acme` (subgroups included) and one `[[jira]]` Cloud source for both projects and
//! both boards, so a test can run the real binary's sync against the simulator.

use std::fmt::Write as _;
use std::path::Path;

use super::model::World;
use super::{CLOSED_WINDOW_DAYS, GITLAB_SOURCE, JIRA_SOURCE};

/// How the config names the token.
#[derive(Debug, Clone, Copy)]
pub enum Token<'a> {
    /// `token_env = NAME`: the environment carries it (the binary's tests).
    Env(&'a str),
    /// `token = VALUE`: literal (in-process tests; sprintdeck warns about it).
    Literal(&'a str),
}

#[derive(Debug, Clone, Copy)]
pub struct ConfigOptions<'a> {
    /// The GitLab base URL, or `None` for no GitLab source.
    pub gitlab_url: Option<&'a str>,
    pub jira_url: Option<&'a str>,
    pub gitlab_token: Token<'a>,
    pub jira_token: Token<'a>,
    pub database: Option<&'a Path>,
    /// `[sync] concurrency`.
    pub concurrency: u8,
}

impl<'a> ConfigOptions<'a> {
    /// Both trackers at these URLs, literal tokens.
    pub fn both(gitlab_url: &'a str, jira_url: &'a str) -> Self {
        Self {
            gitlab_url: Some(gitlab_url),
            jira_url: Some(jira_url),
            gitlab_token: Token::Literal(PLACEHOLDER_TOKEN),
            jira_token: Token::Literal(PLACEHOLDER_TOKEN),
            database: None,
            concurrency: 4,
        }
    }
}

const PLACEHOLDER_TOKEN: &str = "simulated-token";

/// The Jira account the config signs in as.
pub const JIRA_EMAIL: &str = "sync-bot@acme.example";

fn token_line(t: Token<'_>) -> String {
    match t {
        Token::Env(name) => format!("token_env = {}\n", quoted(name)),
        Token::Literal(value) => format!("token = {}\n", quoted(value)),
    }
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

impl World {
    /// The config TOML for servers at the given URLs.
    pub fn config_toml(&self, o: &ConfigOptions<'_>) -> String {
        let mut out = String::from("workspace = \"Acme teams (simulated)\"\n");
        if let Some(db) = o.database {
            let _ = writeln!(out, "database = {}", quoted(&db.display().to_string()));
        }
        if let Some(url) = o.gitlab_url {
            let top: Vec<String> = self
                .gitlab
                .groups
                .iter()
                .filter(|g| g.parent_id.is_none())
                .map(|g| quoted(&g.full_path))
                .collect();
            let _ = write!(
                out,
                "\n[[gitlab]]\nname = {}\nbase_url = {}\ngroups = [{}]\ninclude_subgroups = true\n{}",
                quoted(GITLAB_SOURCE),
                quoted(url),
                top.join(", "),
                token_line(o.gitlab_token)
            );
        }
        if let Some(url) = o.jira_url {
            let projects: Vec<String> = self.jira.projects.iter().map(|p| quoted(&p.key)).collect();
            let boards: Vec<String> = self.jira.boards.iter().map(|b| b.id.to_string()).collect();
            let _ = write!(
                out,
                "\n[[jira]]\nname = {}\nbase_url = {}\ndeployment = \"cloud\"\nemail = {}\nprojects = [{}]\nboards = [{}]\n{}",
                quoted(JIRA_SOURCE),
                quoted(url),
                quoted(JIRA_EMAIL),
                projects.join(", "),
                boards.join(", "),
                token_line(o.jira_token)
            );
        }
        let _ = write!(
            out,
            "\n[sync]\nclosed_window_days = {CLOSED_WINDOW_DAYS}\nconcurrency = {}\n",
            o.concurrency
        );
        out
    }
}
