use std::fmt;
use std::path::{Path, PathBuf};

use super::schema::{COLUMNS, Config};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} does not exist; create it from config.example.toml or drop --config/SPRINTDECK_CONFIG", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Invalid>),
}

/// A problem at a place in the file: the line, the key, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
    pub source_line: Option<String>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config error in {}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ", key `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)?;
        if let (Some(line), Some(text)) = (self.line, &self.source_line) {
            write!(f, "\n  {line} | {text}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Reads the config file. A missing default file means "no config": the demo runs.
pub fn load(path: &Path, explicit: bool) -> Result<Option<Config>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&text, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ConfigError::Missing {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

pub fn parse_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let invalid = |line: Option<usize>, key: String, message: String, hint: Option<String>| {
        ConfigError::Invalid(Box::new(Invalid {
            path: path.to_path_buf(),
            source_line: line
                .and_then(|l| text.lines().nth(l - 1))
                .map(str::to_owned),
            line,
            key,
            message,
            hint,
        }))
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        invalid(
            line,
            String::new(),
            first_line(e.message()),
            Some("this is not valid TOML; check quotes, brackets and `key = value` syntax".into()),
        )
    })?;
    let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        let inner = e.inner();
        let line = inner.span().map(|s| line_of(text, s.start));
        let (message, hint) = explain(inner.message(), &key);
        invalid(line, key, message, hint)
    })?;
    validate(&config).map_err(|(key, message, hint)| {
        let line = locate_key(text, &key);
        invalid(line, key, message, Some(hint))
    })?;
    Ok(config)
}

/// Turns serde's wording into ours, with a suggestion.
fn explain(message: &str, key: &str) -> (String, Option<String>) {
    let message = first_line(message);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (unknown, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let closest = valid
            .iter()
            .map(|v| (strsim::levenshtein(unknown, v), *v))
            .min()
            .filter(|(d, v)| *d <= 3.max(v.len() / 3));
        let hint = match closest {
            Some((_, v)) => format!("did you mean `{v}`? valid keys here: {}", valid.join(", ")),
            None if valid.is_empty() => "remove this key".to_owned(),
            None => format!("remove it; valid keys here: {}", valid.join(", ")),
        };
        return (format!("unknown key `{unknown}`"), Some(hint));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let table = if key.is_empty() { "the file" } else { key };
        return (
            format!("missing required key `{field}`"),
            Some(format!(
                "add `{field} = …` to {table}; see config.example.toml"
            )),
        );
    }
    if message.contains("expected a sequence") {
        return (
            message.clone(),
            Some(format!(
                "`{key}` holds a list: write each table as [[{key}]], or use {key} = [ … ]"
            )),
        );
    }
    if message.starts_with("unknown variant") {
        return (
            message.clone(),
            Some("use one of the listed values".to_owned()),
        );
    }
    (
        message,
        Some("see config.example.toml for the expected type of this key".to_owned()),
    )
}

type Problem = (String, String, String);

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Checks that need more than types: names, ranges, references.
fn validate(config: &Config) -> Result<(), Problem> {
    let mut names = std::collections::BTreeSet::new();
    let sources = config
        .gitlab
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("gitlab[{i}]"), &s.name, &s.base_url))
        .chain(
            config
                .jira
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("jira[{i}]"), &s.name, &s.base_url)),
        );
    for (at, name, base_url) in sources {
        if name.trim().is_empty() {
            return Err((
                format!("{at}.name"),
                "a source needs a non-empty name".into(),
                "name it as you want it shown, e.g. name = \"work-gitlab\"".into(),
            ));
        }
        if !names.insert(name.as_str()) {
            return Err((
                format!("{at}.name"),
                format!("the source name `{name}` is used twice"),
                "give every [[gitlab]] and [[jira]] source its own name".into(),
            ));
        }
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err((
                format!("{at}.base_url"),
                format!("`{base_url}` is not an http(s) URL"),
                "write the full address, e.g. base_url = \"https://gitlab.example.com\"".into(),
            ));
        }
    }
    if config.sync.concurrency == 0 {
        return Err((
            "sync.concurrency".into(),
            "must be at least 1".into(),
            "concurrency = 4 is a good default".into(),
        ));
    }
    if config.sync.interval_minutes == 0 {
        return Err((
            "sync.interval_minutes".into(),
            "must be at least 1".into(),
            "interval_minutes = 5 is a good default".into(),
        ));
    }
    if config.sync.reconcile_hour > 23 {
        return Err((
            "sync.reconcile_hour".into(),
            format!("{} is not an hour of the day", config.sync.reconcile_hour),
            "use 0-23".into(),
        ));
    }
    validate_ui(config)
}

/// `[ui]` and `[metrics]`: columns, board limits, working days, saved views.
fn validate_ui(config: &Config) -> Result<(), Problem> {
    if config.ui.columns.is_empty() {
        return Err((
            "ui.columns".into(),
            "the backlog needs at least one column".into(),
            format!("columns are {}", COLUMNS.join(", ")),
        ));
    }
    for column in &config.ui.columns {
        if !COLUMNS.contains(&column.as_str()) {
            return Err((
                "ui.columns".into(),
                format!("unknown column `{column}`"),
                format!("columns are {}", COLUMNS.join(", ")),
            ));
        }
    }
    for day in &config.metrics.working_days {
        if !DAYS.contains(&day.to_ascii_lowercase().as_str()) {
            return Err((
                "metrics.working_days".into(),
                format!("`{day}` is not a day"),
                format!("use {}", DAYS.join(", ")),
            ));
        }
    }
    for (project, statuses) in &config.ui.workflows {
        let mut seen: Vec<String> = Vec::new();
        for status in statuses {
            let folded = status.to_lowercase();
            if status.trim().is_empty() || seen.contains(&folded) {
                return Err((
                    format!("ui.workflows.{project}"),
                    format!("the workflow of `{project}` names `{status}` twice or empty"),
                    "list each status once, in board order".into(),
                ));
            }
            seen.push(folded);
        }
        if statuses.len() < 2 {
            return Err((
                format!("ui.workflows.{project}"),
                format!("the workflow of `{project}` has fewer than two statuses"),
                "list the statuses a card moves through, e.g. [\"To Do\", \"In Progress\", \"Done\"]".into(),
            ));
        }
    }
    for column in config.ui.wip_limits.keys() {
        let workflow_status = config
            .ui
            .workflows
            .values()
            .flatten()
            .any(|s| s.eq_ignore_ascii_case(column));
        if !workflow_status && !["todo", "doing", "done"].contains(&column.as_str()) {
            return Err((
                "ui.wip_limits".into(),
                format!("unknown board column `{column}`"),
                "board columns are todo, doing, done, or a status named in [ui.workflows]".into(),
            ));
        }
    }
    for (i, view) in config.ui.views.iter().enumerate() {
        if let Err(e) = crate::domain::query::parse(&view.query) {
            return Err((
                format!("ui.views[{i}].query"),
                format!("the view `{}` has a bad query: {e}", view.name),
                "see docs/query-language.md".into(),
            ));
        }
    }
    Ok(())
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Finds the line of a dotted key such as `gitlab[1].base_url` or `sync.concurrency`, following
/// table headers; used for checks made after deserialising, which carry no span.
pub(crate) fn locate_key(text: &str, key: &str) -> Option<usize> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop()?;
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    let (table, index) = match parts.first() {
        Some(first) => match first.split_once('[') {
            Some((name, idx)) => (
                parts.join("."),
                idx.trim_end_matches(']')
                    .parse::<usize>()
                    .ok()
                    .map(|i| (name, i)),
            ),
            None => (parts.join("."), None),
        },
        None => (String::new(), None),
    };
    let mut in_table = table.is_empty();
    let mut seen = 0usize;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            let header = line.trim_matches(|c| c == '[' || c == ']').trim();
            in_table = match index {
                Some((name, idx)) if header == name && line.starts_with("[[") => {
                    seen += 1;
                    seen == idx + 1
                }
                Some(_) => false,
                None => header == table,
            };
            continue;
        }
        if in_table
            && let Some((k, _)) = line.split_once('=')
            && k.trim().trim_matches('"') == leaf
        {
            return Some(n + 1);
        }
    }
    None
}
