//! Templates: the built-in ones in `assets/prompts/issue/`, overridden or added by `*.md` files
//! in the config dir's `prompts/issue/`. A template may start with front matter:
//!
//! ```text
//! ---
//! description: Review a change
//! vars: diff_url, focus
//! ---
//! ```
//!
//! `vars` are extra inputs the user fills in when rendering. Every template is linted on load:
//! size, syntax (unbalanced blocks), and variables that do not exist.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use minijinja::{Environment, UndefinedBehavior, Value};
use sha2::{Digest, Sha256};

use super::vars::IssueVars;

/// Larger than any sensible prompt template; a bigger file is most likely a mistake.
pub const MAX_TEMPLATE_BYTES: usize = 32 * 1024;

const BUILT_IN: [(&str, &str); 3] = [
    (
        "implement",
        include_str!("../../assets/prompts/issue/implement.md"),
    ),
    (
        "write-tests",
        include_str!("../../assets/prompts/issue/write-tests.md"),
    ),
    (
        "review",
        include_str!("../../assets/prompts/issue/review.md"),
    ),
];

/// The variables every template can use, with what they hold (`sprintdeck prompt vars`).
pub const VARIABLES: &[(&str, &str)] = &[
    ("key", "the issue key, e.g. OPS-12 or web/shop#12"),
    ("title", "the issue's title"),
    (
        "description",
        "the description (Markdown; Jira's rich text as plain text), without its acceptance criteria section",
    ),
    (
        "acceptance_criteria",
        "list: the items under an \"Acceptance criteria\" heading of the description",
    ),
    ("labels", "list of label names"),
    ("assignees", "list of usernames"),
    (
        "parent",
        "the parent epic or issue: parent.key, parent.title, parent.status (empty when none)",
    ),
    (
        "links",
        "list of related issues: link.relation (blocks, blocked by, relates to), link.key, link.title, link.status",
    ),
    (
        "comments",
        "list of recent comments, newest last: c.author, c.created, c.body (Jira issues synced with comments; empty otherwise)",
    ),
    ("project", "the project key or path"),
    ("sprint", "the sprint's name (empty when none)"),
    ("type", "epic, story, task or bug"),
    ("status", "the tracker's status name"),
    ("priority", "the priority name (empty when none)"),
    ("points", "story points (empty when not estimated)"),
    ("due", "the due date (empty when none)"),
    ("url", "the issue's web address"),
];

const PARENT_FIELDS: [&str; 3] = ["key", "title", "status"];

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    /// The file it came from, or `built-in`.
    pub origin: String,
    pub description: String,
    /// Extra inputs declared in the front matter.
    pub vars: Vec<String>,
    /// The template proper (after the front matter).
    pub body: String,
    /// The file line the body starts on (1-based), for messages.
    body_line: usize,
    /// SHA-256 of the whole file.
    pub hash: String,
}

/// A problem found in a template, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The templates that loaded, and what is wrong with those that did not.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub templates: Vec<Template>,
    pub errors: Vec<LintError>,
}

impl Library {
    /// The built-in templates, then `dir/*.md` (a file named like a built-in replaces it).
    pub fn load(dir: Option<&Path>) -> Self {
        let mut library = Self::default();
        for (name, source) in BUILT_IN {
            library.add(name, "built-in", source);
        }
        let Some(dir) = dir else {
            return library;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return library;
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let origin = path.display().to_string();
            match std::fs::read(&path) {
                Ok(bytes) if bytes.len() > MAX_TEMPLATE_BYTES => library.errors.push(LintError {
                    file: origin,
                    line: None,
                    message: format!(
                        "the template is {} bytes, over the {MAX_TEMPLATE_BYTES}-byte limit",
                        bytes.len()
                    ),
                }),
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(source) => library.add(&name, &origin, &source),
                    Err(_) => library.errors.push(LintError {
                        file: origin,
                        line: None,
                        message: "not UTF-8 text".to_owned(),
                    }),
                },
                Err(e) => library.errors.push(LintError {
                    file: origin,
                    line: None,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
        library
    }

    fn add(&mut self, name: &str, origin: &str, source: &str) {
        match parse(name, origin, source) {
            Ok(t) => {
                self.templates.retain(|old| old.name != t.name);
                self.templates.push(t);
            }
            Err(errors) => {
                // A broken override must not leave the built-in of that name silently in use.
                self.templates.retain(|old| old.name != name);
                self.errors.extend(errors);
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.templates.iter().map(|t| t.name.clone()).collect()
    }
}

/// Reads and lints one template.
pub fn parse(name: &str, origin: &str, source: &str) -> Result<Template, Vec<LintError>> {
    let error = |line: Option<usize>, message: String| LintError {
        file: origin.to_owned(),
        line,
        message,
    };
    if source.len() > MAX_TEMPLATE_BYTES {
        return Err(vec![error(
            None,
            format!(
                "the template is {} bytes, over the {MAX_TEMPLATE_BYTES}-byte limit",
                source.len()
            ),
        )]);
    }
    let front = front_matter(source).map_err(|(line, m)| vec![error(Some(line), m)])?;
    let template = Template {
        name: name.to_owned(),
        origin: origin.to_owned(),
        description: front.description,
        vars: front.vars,
        body: front.body.to_owned(),
        body_line: front.body_line,
        hash: hex::encode(Sha256::digest(source.as_bytes())),
    };
    let errors = lint(&template);
    if errors.is_empty() {
        Ok(template)
    } else {
        Err(errors)
    }
}

struct Front<'a> {
    description: String,
    vars: Vec<String>,
    body: &'a str,
    body_line: usize,
}

fn front_matter(source: &str) -> Result<Front<'_>, (usize, String)> {
    let plain = Front {
        description: String::new(),
        vars: Vec::new(),
        body: source,
        body_line: 1,
    };
    let Some(rest) = source
        .strip_prefix("---\n")
        .or_else(|| source.strip_prefix("---\r\n"))
    else {
        return Ok(plain);
    };
    let mut front = Front {
        body: "",
        body_line: 0,
        ..plain
    };
    let mut offset = source.len() - rest.len();
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        let number = i + 2;
        offset += line.len();
        let text = line.trim_end();
        if text == "---" {
            front.body = &source[offset..];
            front.body_line = number + 1;
            return Ok(front);
        }
        if text.trim().is_empty() || text.trim_start().starts_with('#') {
            continue;
        }
        let Some((k, v)) = text.split_once(':') else {
            return Err((
                number,
                format!("front matter: expected `key: value`, found `{text}`"),
            ));
        };
        match k.trim() {
            "description" => v.trim().clone_into(&mut front.description),
            "vars" => {
                front.vars = v
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if let Some(bad) = front.vars.iter().find(|v| !is_identifier(v)) {
                    return Err((
                        number,
                        format!("front matter: `{bad}` is not a variable name"),
                    ));
                }
                if let Some(taken) = front
                    .vars
                    .iter()
                    .find(|v| VARIABLES.iter().any(|(n, _)| n == v))
                {
                    return Err((
                        number,
                        format!("front matter: `{taken}` is already an issue variable"),
                    ));
                }
            }
            other => {
                return Err((
                    number,
                    format!("front matter: unknown key `{other}` (known: description, vars)"),
                ));
            }
        }
    }
    Err((1, "front matter: no closing `---`".to_owned()))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Syntax and variables: each problem with its file line.
pub fn lint(t: &Template) -> Vec<LintError> {
    let error = |line: Option<usize>, message: String| LintError {
        file: t.origin.clone(),
        line,
        message,
    };
    let env = environment();
    let compiled = match env.template_from_named_str(&t.name, &t.body) {
        Ok(c) => c,
        Err(e) => {
            let message = e
                .detail()
                .map_or_else(|| e.kind().to_string(), ToOwned::to_owned);
            return vec![error(
                e.line().map(|l| l + t.body_line - 1),
                format!("syntax error: {message}"),
            )];
        }
    };
    let mut names: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
    names.sort();
    let mut errors = Vec::new();
    for name in names {
        let (head, field) = match name.split_once('.') {
            Some((h, f)) => (h, Some(f)),
            None => (name.as_str(), None),
        };
        let known = VARIABLES.iter().any(|(n, _)| *n == head) || t.vars.iter().any(|v| v == head);
        let message = if !known {
            let hint = suggestion(head, t)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            format!("unknown variable `{head}`{hint}")
        } else if head == "parent" && field.is_some_and(|f| !PARENT_FIELDS.contains(&f)) {
            format!(
                "unknown field `{name}` (parent has {})",
                PARENT_FIELDS.join(", ")
            )
        } else {
            continue;
        };
        errors.push(error(
            line_of(&t.body, head).map(|l| l + t.body_line - 1),
            message,
        ));
    }
    errors
}

fn suggestion(name: &str, t: &Template) -> Option<String> {
    VARIABLES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .chain(t.vars.iter().cloned())
        // A swap counts once ("titel"); short names allow one edit, so guesses stay close.
        .map(|n| (strsim::damerau_levenshtein(name, &n), n))
        .filter(|(d, _)| *d <= if name.chars().count() > 6 { 2 } else { 1 })
        .min()
        .map(|(_, n)| n)
}

/// The first line (1-based, within `body`) using `name` inside a tag.
fn line_of(body: &str, name: &str) -> Option<usize> {
    let word =
        regex::Regex::new(&format!(r"(\{{\{{|\{{%)[^}}]*\b{}\b", regex::escape(name))).ok()?;
    body.lines().position(|l| word.is_match(l)).map(|i| i + 1)
}

/// Pours the issue (and the extra inputs) into the template.
pub fn render(
    t: &Template,
    issue: &IssueVars,
    extra: &BTreeMap<String, String>,
) -> Result<String, LintError> {
    let env = environment();
    let error = |e: &minijinja::Error| LintError {
        file: t.origin.clone(),
        line: e.line().map(|l| l + t.body_line - 1),
        message: e
            .detail()
            .map_or_else(|| e.kind().to_string(), ToOwned::to_owned),
    };
    let compiled = env
        .template_from_named_str(&t.name, &t.body)
        .map_err(|e| error(&e))?;
    let mut context = match serde_json::to_value(issue) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for name in &t.vars {
        let value = extra.get(name).cloned().unwrap_or_default();
        context.insert(name.clone(), serde_json::Value::String(value));
    }
    let context = Value::from(minijinja::value::Serde(context));
    compiled.render(context).map_err(|e| error(&e))
}

/// Blocks trimmed like Jinja's `trim_blocks`/`lstrip_blocks` so templates can be laid out
/// readably; undefined attributes chain to empty (an issue without a parent renders
/// `parent.title` as nothing — unknown names are caught by the lint instead); nothing is
/// escaped (prompts are plain text).
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter("truncate", truncate);
    env.add_filter("bullets", bullets);
    env
}

/// `{{ description | truncate(2000) }}`: at most that many characters, "…" when cut.
fn truncate(text: &str, limit: Option<usize>) -> String {
    let limit = limit.unwrap_or(2000);
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit).collect();
    cut.push('…');
    cut
}

/// `{{ acceptance_criteria | bullets }}`: one `- item` line per element.
fn bullets(items: &Value) -> String {
    items
        .try_iter()
        .map(|it| it.map(|v| format!("- {v}")).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}
