//! One generation: the idea (and documents) sent with the backlog template, the answer parsed
//! as JSON and checked against the published schema, one repair round-trip with the errors when
//! it does not match, then the rules.

use std::fmt::Write as _;

use minijinja::{Environment, context};
use sqlx::SqlitePool;

use super::backlog::{Backlog, SCHEMA};
use super::rules::{self, Rules, Violation};
use crate::llm::{ChatRequest, LlmEvent, Message, Provider, Role};

/// The built-in template; `<config dir>/prompts/generator/backlog.md` replaces it.
pub const TEMPLATE: &str = include_str!("../../assets/prompts/generator/backlog.md");

/// Story style asked of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// "As a … I want … so that …".
    Classic,
    /// Given/When/Then acceptance criteria.
    Bdd,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The prompt template (the built-in one, or the config dir's).
    pub template: String,
    pub idea: String,
    /// Documents given as context: name and text.
    pub files: Vec<(String, String)>,
    pub project: String,
    pub format: Format,
    pub constraints: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub backlog: Backlog,
    pub violations: Vec<Violation>,
    /// Model answers it took (2: one repair).
    pub attempts: usize,
    pub usage: (u64, u64),
    /// SHA-256 of the template used, to record with the run.
    pub template_hash: String,
}

/// The system prompt for `request` under `rules`.
pub fn prompt(request: &Request, rules: &Rules) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_template("backlog", &request.template)
        .map_err(|e| e.to_string())?;
    env.get_template("backlog")
        .and_then(|t| {
            t.render(context! {
                project => &request.project,
                schema => SCHEMA,
                max_summary_chars => rules.max_summary_chars,
                min_acceptance_criteria => rules.min_acceptance_criteria,
                max_story_points => rules.max_story_points,
                format => match request.format { Format::Classic => "classic", Format::Bdd => "bdd" },
                constraints => &request.constraints,
            })
        })
        .map_err(|e| e.to_string())
}

/// The JSON object in a model's answer (fences and chatter around it are tolerated).
pub fn extract(answer: &str) -> Option<&str> {
    let start = answer.find('{')?;
    let end = answer.rfind('}')?;
    (end > start).then(|| &answer[start..=end])
}

/// What is wrong with `answer` as a backlog: not JSON, or not the schema. Empty: it is one.
pub fn problems(answer: &str) -> Result<Backlog, Vec<String>> {
    let Some(text) = extract(answer) else {
        return Err(vec!["the answer holds no JSON object".to_owned()]);
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| vec![format!("not valid JSON: {e}")])?;
    let schema: serde_json::Value =
        serde_json::from_str(SCHEMA).map_err(|e| vec![format!("the schema itself: {e}")])?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| vec![e.to_string()])?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::from_value(value).map_err(|e| vec![e.to_string()])
}

async fn ask(
    provider: &dyn Provider,
    messages: Vec<Message>,
    usage: &mut (u64, u64),
) -> Result<String, String> {
    let mut text = String::new();
    let mut failed = None;
    let sleeper = crate::sync::http::tokio_sleeper();
    crate::llm::stream_with_retry(
        provider,
        &ChatRequest::new(messages),
        &sleeper,
        |e| match e {
            LlmEvent::Text(t) => text.push_str(&t),
            LlmEvent::Usage { input, output } => {
                usage.0 += input;
                usage.1 += output;
            }
            LlmEvent::Error(e) => failed = Some(e.to_string()),
            _ => {}
        },
    )
    .await;
    match failed {
        Some(e) => Err(e),
        None => Ok(text),
    }
}

/// Generates, repairs once if needed, and checks the rules.
pub async fn generate(
    provider: &dyn Provider,
    pool: &SqlitePool,
    request: &Request,
    rules: &Rules,
) -> Result<Generated, String> {
    let system = prompt(request, rules)?;
    let mut user = request.idea.clone();
    for (name, text) in &request.files {
        let _ = write!(user, "\n\n--- {name} ---\n{text}");
    }
    let mut messages = vec![
        Message {
            role: Role::System,
            content: system,
        },
        Message {
            role: Role::User,
            content: user,
        },
    ];
    let mut usage = (0, 0);
    let mut attempts = 0;
    let backlog = loop {
        attempts += 1;
        let answer = ask(provider, messages.clone(), &mut usage).await?;
        match problems(&answer) {
            Ok(backlog) => break backlog,
            Err(errors) if attempts < 2 => {
                messages.push(Message {
                    role: Role::Assistant,
                    content: answer,
                });
                messages.push(Message {
                    role: Role::User,
                    content: format!(
                        "That did not match the schema:\n- {}\nReply with the corrected JSON object only.",
                        errors.join("\n- ")
                    ),
                });
            }
            Err(errors) => {
                return Err(format!(
                    "the model's backlog does not match the schema after a repair: {}",
                    errors.join("; ")
                ));
            }
        }
    };
    let mut violations = rules::check(&backlog, rules, &request.project);
    violations.extend(
        rules::duplicates(pool, &backlog, rules)
            .await
            .map_err(|e| e.to_string())?,
    );
    Ok(Generated {
        backlog,
        violations,
        attempts,
        usage,
        template_hash: crate::store::prompts::sha256(request.template.as_bytes()),
    })
}
