//! The configuration file's shape. Every struct denies unknown keys, so a typo is an error that
//! names the key instead of a setting silently ignored. `config.example.toml` documents each key.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Shown in the status bar; defaults to the config file's directory name or "sprintdeck".
    pub workspace: Option<String>,
    /// A `SQLite` file to use instead of `<data dir>/sprintdeck.db`.
    pub database: Option<PathBuf>,
    #[serde(default)]
    pub gitlab: Vec<GitlabSource>,
    #[serde(default)]
    pub jira: Vec<JiraSource>,
    #[serde(default)]
    pub sync: SyncConfig,
    pub llm: Option<LlmConfig>,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub people: PeopleConfig,
    #[serde(default)]
    pub prompts: PromptsConfig,
    #[serde(default)]
    pub proposals: ProposalsConfig,
    /// `[generator]`: the rules generated backlogs must pass.
    #[serde(default)]
    pub generator: crate::generator::Rules,
}

/// `[proposals]`: the approval queue.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ProposalsConfig {
    /// Pending proposals expire after this many days.
    pub expire_days: u32,
    /// Push applied changes to GitLab and Jira; `false` keeps them local (outbox rows skipped).
    pub write_back: bool,
}

impl Default for ProposalsConfig {
    fn default() -> Self {
        Self {
            expire_days: 7,
            write_back: true,
        }
    }
}

/// `[prompts]`: issue-to-prompt.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PromptsConfig {
    /// A shell command the rendered prompt is piped to (`|` in the preview), e.g. `"pbcopy"` or
    /// `"aider --message-file /dev/stdin"`.
    pub pipe: Option<String>,
    /// `auto` (from `[llm] model`, else `approx`), `o200k`, `cl100k` or `approx`.
    #[serde(default)]
    pub tokenizer: TokenizerChoice,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TokenizerChoice {
    #[default]
    Auto,
    O200k,
    Cl100k,
    Approx,
}

impl Config {
    pub fn has_sources(&self) -> bool {
        !self.gitlab.is_empty() || !self.jira.is_empty()
    }
}

/// Where a secret comes from. The file itself should hold neither tokens nor keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretRef<'a> {
    pub env: Option<&'a str>,
    pub cmd: Option<&'a str>,
    /// `SERVICE/ACCOUNT` in the OS keyring (`sprintdeck auth login` stores it).
    pub keyring: Option<&'a str>,
    pub literal: Option<&'a str>,
}

impl SecretRef<'_> {
    /// Whether any source of the secret is named (a local Ollama needs none).
    pub fn is_configured(&self) -> bool {
        self.env.is_some() || self.cmd.is_some() || self.keyring.is_some() || self.literal.is_some()
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ProjectRef {
    Id(u64),
    Path(String),
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GitlabAuth {
    #[default]
    PrivateToken,
    Oauth,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GitlabSource {
    pub name: String,
    #[serde(default = "default_gitlab_url")]
    pub base_url: String,
    #[serde(default)]
    pub projects: Vec<ProjectRef>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default = "yes")]
    pub include_subgroups: bool,
    #[serde(default)]
    pub auth: GitlabAuth,
    /// Name of an environment variable holding the token.
    pub token_env: Option<String>,
    /// A shell command whose standard output is the token (`pass show gitlab`).
    pub token_cmd: Option<String>,
    /// `SERVICE/ACCOUNT` of the token in the OS keyring (`sprintdeck auth login NAME`).
    pub token_keyring: Option<String>,
    /// Accepted so that a pasted token is reported, not silently used: start-up warns.
    pub token: Option<String>,
    /// PEM file with an extra CA certificate for self-managed instances.
    pub ca_file: Option<PathBuf>,
    /// Label (or scoped-label prefix) → status category, on top of the defaults.
    #[serde(default)]
    pub status_labels: BTreeMap<String, String>,
    /// Env var holding the secret GitLab sends in `X-Gitlab-Token` to `sprintdeck serve`.
    pub webhook_secret_env: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JiraDeployment {
    #[default]
    Cloud,
    DataCenter,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JiraSource {
    pub name: String,
    pub base_url: String,
    #[serde(default)]
    pub deployment: JiraDeployment,
    /// Account e-mail for Jira Cloud (Basic auth with an API token).
    pub email: Option<String>,
    #[serde(default)]
    pub projects: Vec<String>,
    pub jql: Option<String>,
    #[serde(default)]
    pub boards: Vec<u64>,
    /// Name of an environment variable holding the token.
    pub token_env: Option<String>,
    /// A shell command whose standard output is the token (`pass show gitlab`).
    pub token_cmd: Option<String>,
    /// `SERVICE/ACCOUNT` of the token in the OS keyring (`sprintdeck auth login NAME`).
    pub token_keyring: Option<String>,
    /// Accepted so that a pasted token is reported, not silently used: start-up warns.
    pub token: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Field ids overriding discovery: `story_points`, `sprint`, `epic`, `start_date`.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Env var holding the HMAC secret for Jira webhooks.
    pub webhook_secret_env: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    pub interval_minutes: u32,
    /// Hour of the day (0-23, local) for the nightly reconcile.
    pub reconcile_hour: u8,
    pub closed_window_days: u32,
    pub concurrency: u8,
    pub timeout_secs: u32,
    /// Minutes one pass of a source may spend waiting out rate limits (429) before it gives up.
    pub rate_limit_wait_minutes: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            interval_minutes: 5,
            reconcile_hour: 3,
            closed_window_days: 90,
            concurrency: 4,
            timeout_secs: 30,
            rate_limit_wait_minutes: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LlmProvider {
    #[default]
    Openai,
    Anthropic,
    Ollama,
}

/// One model endpoint. `[llm]` holds the default; `[llm.profiles.NAME]` adds more.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LlmProfile {
    #[serde(default)]
    pub provider: LlmProvider,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_cmd: Option<String>,
    /// `SERVICE/ACCOUNT` of the key in the OS keyring (`sprintdeck auth login --llm NAME`).
    pub api_key_keyring: Option<String>,
    /// Accepted so that a pasted key is reported, not silently used: start-up warns.
    pub api_key: Option<String>,
    pub api_version: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub timeout_secs: Option<u32>,
    pub price_input_per_1k: Option<f64>,
    pub price_output_per_1k: Option<f64>,
}

/// `[llm]`: the default profile's keys, plus options for the chat and named profiles.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    #[serde(default)]
    pub provider: LlmProvider,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_cmd: Option<String>,
    pub api_key_keyring: Option<String>,
    pub api_key: Option<String>,
    pub api_version: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub timeout_secs: Option<u32>,
    pub price_input_per_1k: Option<f64>,
    pub price_output_per_1k: Option<f64>,
    /// With `false`, the chat sends titles and fields only, never descriptions.
    #[serde(default = "yes")]
    pub send_descriptions: bool,
    /// With `false`, the chat's model is not offered the `propose_changes` tool (for servers
    /// that refuse tools).
    #[serde(default = "yes")]
    pub propose_changes: bool,
    #[serde(default)]
    pub profiles: BTreeMap<String, LlmProfile>,
}

impl LlmConfig {
    /// `[llm.profiles.NAME]`, or the keys under `[llm]` for `None`; an unknown name is an
    /// error listing the profiles there are.
    pub fn profile(&self, name: Option<&str>) -> Result<LlmProfile, String> {
        let Some(n) = name else {
            return Ok(self.default_profile());
        };
        self.profiles.get(n).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            format!(
                "no [llm.profiles.{n}]; profiles: {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        })
    }

    /// The keys written directly under `[llm]`, as a profile.
    pub fn default_profile(&self) -> LlmProfile {
        LlmProfile {
            provider: self.provider,
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            api_key_env: self.api_key_env.clone(),
            api_key_cmd: self.api_key_cmd.clone(),
            api_key_keyring: self.api_key_keyring.clone(),
            api_key: self.api_key.clone(),
            api_version: self.api_version.clone(),
            headers: self.headers.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            timeout_secs: self.timeout_secs,
            price_input_per_1k: self.price_input_per_1k,
            price_output_per_1k: self.price_output_per_1k,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    pub name: String,
    pub query: String,
}

/// How many colours the terminal shows; `auto` reads `COLORTERM` and `TERM`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub enum Colors {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "16")]
    Ansi16,
    #[serde(rename = "256")]
    Ansi256,
    #[serde(rename = "truecolor")]
    TrueColor,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StartPane {
    #[default]
    Backlog,
    Board,
    Dashboard,
    Chat,
    Proposals,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// `dark`, `light`, or a path to a theme file.
    pub theme: String,
    pub keymap: Option<PathBuf>,
    pub columns: Vec<String>,
    pub read_only: bool,
    pub start_pane: StartPane,
    /// `auto`, `16`, `256` or `truecolor`: colours beyond what the terminal shows are mapped to
    /// the nearest it has.
    pub colors: Colors,
    /// Your username, for `assignee:@me`.
    pub me: Option<String>,
    pub views: Vec<SavedView>,
    /// Board column → most issues it should hold (`todo`, `doing`, `done`, or a status named in
    /// `workflows`).
    pub wip_limits: BTreeMap<String, u32>,
    /// Project key or path → its workflow's statuses in board order; the board shows these as
    /// columns when it shows that project alone.
    pub workflows: BTreeMap<String, Vec<String>>,
}

/// The backlog columns, in their default order.
pub const COLUMNS: &[&str] = &[
    "key", "type", "title", "status", "assignee", "points", "sprint", "priority", "updated",
];

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            theme: "dark".to_owned(),
            keymap: None,
            columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            read_only: false,
            start_pane: StartPane::Backlog,
            colors: Colors::Auto,
            me: None,
            views: Vec::new(),
            wip_limits: BTreeMap::new(),
            workflows: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Status names counted as done even when the tracker's category says otherwise.
    pub done_statuses: Vec<String>,
    pub working_days: Vec<String>,
    /// In progress longer than this many days counts as aging work.
    pub aging_wip_days: u32,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            done_statuses: Vec::new(),
            working_days: ["mon", "tue", "wed", "thu", "fri"]
                .map(str::to_owned)
                .to_vec(),
            aging_wip_days: 5,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PeopleConfig {
    /// Points per sprint for anyone not listed in `capacity`.
    pub default_capacity: Option<f64>,
    /// Username → points per sprint.
    #[serde(default)]
    pub capacity: BTreeMap<String, f64>,
}

impl GitlabSource {
    pub fn secret(&self) -> SecretRef<'_> {
        SecretRef {
            env: self.token_env.as_deref(),
            cmd: self.token_cmd.as_deref(),
            keyring: self.token_keyring.as_deref(),
            literal: self.token.as_deref(),
        }
    }
}

impl JiraSource {
    pub fn secret(&self) -> SecretRef<'_> {
        SecretRef {
            env: self.token_env.as_deref(),
            cmd: self.token_cmd.as_deref(),
            keyring: self.token_keyring.as_deref(),
            literal: self.token.as_deref(),
        }
    }
}

impl LlmProfile {
    pub fn secret(&self) -> SecretRef<'_> {
        SecretRef {
            env: self.api_key_env.as_deref(),
            cmd: self.api_key_cmd.as_deref(),
            keyring: self.api_key_keyring.as_deref(),
            literal: self.api_key.as_deref(),
        }
    }
}

fn default_gitlab_url() -> String {
    "https://gitlab.com".to_owned()
}

fn yes() -> bool {
    true
}
