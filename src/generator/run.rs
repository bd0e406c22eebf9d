//! One generation: the idea (and documents, and answers to the model's questions) sent with the
//! backlog template, asking for JSON matching the published schema (enforced by the provider
//! where it can be); the answer streamed as progress, parsed and checked against the schema, one
//! repair round-trip with the errors when it does not match; stories above the size limit sent
//! back to be split; then the rules. A refinement sends the backlog to revise and the
//! instruction in the same conversation.

use std::fmt::Write as _;

use minijinja::{Environment, context};
use sqlx::SqlitePool;

use super::backlog::{Backlog, SCHEMA, Story};
use super::rules::{self, Rules, Violation};
use crate::llm::{ChatRequest, LlmEvent, Message, Provider, Role};
use crate::sync::http::Sleeper;

/// The built-in template; `<config dir>/prompts/generator/backlog.md` replaces it.
pub const TEMPLATE: &str = include_str!("../../assets/prompts/generator/backlog.md");

/// Story style asked of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// "As a … I want … so that …".
    Classic,
    /// Given/When/Then acceptance criteria.
    Bdd,
    /// The team's own story template (a file's text), followed for every story.
    Custom(String),
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Bdd => "bdd",
            Self::Custom(_) => "custom",
        }
    }
}

/// How deep the backlog goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    Epics,
    Stories,
    #[default]
    Tasks,
}

impl Depth {
    pub fn name(self) -> &'static str {
        match self {
            Self::Epics => "epics",
            Self::Stories => "stories",
            Self::Tasks => "tasks",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Epics, Self::Stories, Self::Tasks]
            .into_iter()
            .find(|d| d.name() == text)
    }
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
    pub depth: Depth,
    pub constraints: Option<String>,
    /// The model's earlier questions and the user's answers.
    pub answers: Vec<(String, String)>,
    /// A refinement: the backlog to revise and what to change.
    pub revise: Option<(Backlog, String)>,
}

impl Request {
    pub fn new(template: String, idea: String, project: String) -> Self {
        Self {
            template,
            idea,
            files: Vec::new(),
            project,
            format: Format::Classic,
            depth: Depth::Tasks,
            constraints: None,
            answers: Vec::new(),
            revise: None,
        }
    }
}

impl Request {
    /// What was asked, to keep with the run (documents as names only).
    pub fn brief(&self) -> serde_json::Value {
        serde_json::json!({
            "idea": self.idea,
            "project": self.project,
            "format": self.format.name(),
            "story_template": match &self.format { Format::Custom(t) => Some(t), _ => None },
            "depth": self.depth.name(),
            "constraints": self.constraints,
            "answers": self.answers,
            "files": self.files.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        })
    }

    /// The request a kept brief describes, under `template` (documents are not kept).
    pub fn from_brief(brief: &serde_json::Value, template: String) -> Option<Self> {
        let text = |k: &str| brief.get(k).and_then(serde_json::Value::as_str);
        let mut request = Self::new(
            template,
            text("idea")?.to_owned(),
            text("project")?.to_owned(),
        );
        request.format = match (text("format"), text("story_template")) {
            (Some("bdd"), _) => Format::Bdd,
            (Some("custom"), Some(t)) => Format::Custom(t.to_owned()),
            _ => Format::Classic,
        };
        request.depth = text("depth").and_then(Depth::parse).unwrap_or_default();
        request.constraints = text("constraints").map(str::to_owned);
        request.answers = serde_json::from_value(brief.get("answers")?.clone()).unwrap_or_default();
        Some(request)
    }
}

/// What the generation reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A piece of the answer being streamed.
    Text(String),
    /// A new answer starts (2: the repair); the text so far is dropped.
    Attempt(usize),
    /// Asking the model to split this story.
    Splitting(String),
    /// Rate limited: asking again after `seconds`.
    Waiting(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub backlog: Backlog,
    pub violations: Vec<Violation>,
    /// Model answers it took for the backlog (2: one repair).
    pub attempts: usize,
    pub usage: (u64, u64),
    /// SHA-256 of the template used, to record with the run.
    pub template_hash: String,
    /// What the size rule did: "split … into 3 stories", "could not split …: why".
    pub splits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Backlog(Generated),
    /// The model needs answers before it can plan.
    Questions {
        questions: Vec<String>,
        usage: (u64, u64),
    },
}

/// The system prompt for `request` under `rules`.
pub fn prompt(request: &Request, rules: &Rules) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_template("backlog", &request.template)
        .map_err(|e| e.to_string())?;
    let story_template = match &request.format {
        Format::Custom(text) => Some(text.as_str()),
        _ => None,
    };
    env.get_template("backlog")
        .and_then(|t| {
            t.render(context! {
                project => &request.project,
                schema => SCHEMA,
                max_summary_chars => rules.max_summary_chars,
                min_acceptance_criteria => rules.min_acceptance_criteria,
                max_story_points => rules.max_story_points,
                format => request.format.name(),
                story_template => story_template,
                depth => request.depth.name(),
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
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(vec![format!("not valid JSON: {e}")]);
    }
    super::strict::backlog(text)
}

fn schema() -> Result<serde_json::Value, Vec<String>> {
    serde_json::from_str(SCHEMA).map_err(|e| vec![format!("the schema itself: {e}")])
}

/// A conversation with the model: each answer streamed to `progress`, usage added up.
struct Session<'a> {
    provider: &'a dyn Provider,
    sleeper: &'a Sleeper,
    usage: (u64, u64),
    progress: &'a mut (dyn FnMut(Progress) + Send),
}

impl Session<'_> {
    async fn ask(&mut self, messages: Vec<Message>, stream: bool) -> Result<String, String> {
        let mut text = String::new();
        let mut failed = None;
        let mut cut = false;
        let mut request = ChatRequest::new(messages);
        request.json_schema = schema().ok().map(|s| ("backlog".to_owned(), s));
        let progress = &mut self.progress;
        let usage = &mut self.usage;
        crate::llm::stream_with_retry(self.provider, &request, self.sleeper, |e| match e {
            LlmEvent::Text(t) => {
                if stream {
                    progress(Progress::Text(t.clone()));
                }
                text.push_str(&t);
            }
            LlmEvent::Usage { input, output } => {
                usage.0 += input;
                usage.1 += output;
            }
            LlmEvent::Waiting { seconds, .. } => progress(Progress::Waiting(seconds)),
            LlmEvent::Error(e) => failed = Some(e.to_string()),
            LlmEvent::Done { stop_reason } => {
                cut = matches!(stop_reason.as_deref(), Some("length" | "max_tokens"));
            }
            _ => {}
        })
        .await;
        match failed {
            Some(e) => Err(e),
            // A repair would be cut at the same place: say what to change instead.
            None if cut && problems(&text).is_err() => Err(format!(
                "the model's answer was cut at its token limit after {} characters: raise \
                 max_tokens in [llm] (or ask for less: a smaller depth, fewer documents)",
                text.chars().count()
            )),
            None => Ok(text),
        }
    }

    /// Asks until the answer is a backlog: one repair with the schema's errors, then a failure.
    async fn backlog(&mut self, mut messages: Vec<Message>) -> Result<(Backlog, usize), String> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts > 1 {
                (self.progress)(Progress::Attempt(attempts));
            }
            let answer = self.ask(messages.clone(), true).await?;
            match problems(&answer) {
                Ok(backlog) => return Ok((backlog, attempts)),
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
        }
    }

    /// Asks the model to split `story` into stories within the size limit; `Err`: why not.
    async fn split(
        &mut self,
        system: &str,
        epic: &str,
        story: &Story,
        rules: &Rules,
    ) -> Result<Vec<Story>, String> {
        (self.progress)(Progress::Splitting(story.title.clone()));
        let story_json = serde_json::to_string_pretty(story).map_err(|e| e.to_string())?;
        let messages = vec![
            Message {
                role: Role::System,
                content: system.to_owned(),
            },
            Message {
                role: Role::User,
                content: format!(
                    "This story is too big ({} points; at most {} per story):\n\n{story_json}\n\n\
                     Split it into smaller stories that together deliver the same, each with its own \
                     acceptance criteria and at most {} points. Reply with one JSON object matching \
                     the schema: one epic titled {epic:?} holding only the new stories.",
                    story.points.unwrap_or_default(),
                    rules.max_story_points,
                    rules.max_story_points,
                ),
            },
        ];
        let answer = self.ask(messages, false).await?;
        let backlog = problems(&answer).map_err(|e| e.join("; "))?;
        let stories: Vec<Story> = backlog.epics.into_iter().flat_map(|e| e.stories).collect();
        if stories.len() < 2 {
            return Err("the model did not split it".to_owned());
        }
        if let Some(big) = stories
            .iter()
            .find(|s| s.points.is_some_and(|p| p > rules.max_story_points))
        {
            return Err(format!(
                "a part is still {} points",
                big.points.unwrap_or_default()
            ));
        }
        Ok(stories)
    }
}

/// The conversation that asks for the backlog (or its revision).
fn messages(request: &Request, system: String) -> Vec<Message> {
    let mut user = request.idea.clone();
    for (name, text) in &request.files {
        let _ = write!(user, "\n\n--- {name} ---\n{text}");
    }
    if !request.answers.is_empty() {
        user.push_str("\n\nAnswers to your questions:");
        for (q, a) in &request.answers {
            let _ = write!(user, "\nQ: {q}\nA: {a}");
        }
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
    if let Some((previous, instruction)) = &request.revise {
        messages.push(Message {
            role: Role::Assistant,
            content: serde_json::to_string(previous).unwrap_or_default(),
        });
        messages.push(Message {
            role: Role::User,
            content: format!(
                "Revise the backlog: {instruction}\nReply with the complete revised JSON object only."
            ),
        });
    }
    messages
}

/// Generates (or revises), repairs once if needed, splits oversized stories, checks the rules.
pub async fn generate(
    provider: &dyn Provider,
    pool: &SqlitePool,
    request: &Request,
    rules: &Rules,
    sleeper: &Sleeper,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Outcome, String> {
    let system = prompt(request, rules)?;
    let mut session = Session {
        provider,
        sleeper,
        usage: (0, 0),
        progress,
    };
    let (mut backlog, attempts) = session.backlog(messages(request, system.clone())).await?;
    if backlog.epics.is_empty() && !backlog.questions.is_empty() {
        return Ok(Outcome::Questions {
            questions: std::mem::take(&mut backlog.questions),
            usage: session.usage,
        });
    }
    backlog.questions.clear();
    let splits = split_oversized(&mut session, &system, &mut backlog, rules).await;
    Ok(Outcome::Backlog(Generated {
        violations: check(pool, &backlog, rules, &request.project).await?,
        backlog,
        attempts,
        usage: session.usage,
        template_hash: crate::store::prompts::sha256(request.template.as_bytes()),
        splits,
    }))
}

/// Every rule, the duplicate search included.
pub async fn check(
    pool: &SqlitePool,
    backlog: &Backlog,
    rules: &Rules,
    project: &str,
) -> Result<Vec<Violation>, String> {
    let mut violations = rules::check(backlog, rules, project);
    violations.extend(
        rules::duplicates(pool, backlog, rules)
            .await
            .map_err(|e| e.to_string())?,
    );
    Ok(violations)
}

/// Stories above the limit replaced by the model's split, in place; what happened to each.
async fn split_oversized(
    session: &mut Session<'_>,
    system: &str,
    backlog: &mut Backlog,
    rules: &Rules,
) -> Vec<String> {
    let mut report = Vec::new();
    for e in 0..backlog.epics.len() {
        let mut s = 0;
        while s < backlog.epics[e].stories.len() {
            let story = backlog.epics[e].stories[s].clone();
            if !story.points.is_some_and(|p| p > rules.max_story_points) {
                s += 1;
                continue;
            }
            let epic = backlog.epics[e].title.clone();
            match session.split(system, &epic, &story, rules).await {
                Ok(parts) => {
                    report.push(format!(
                        "split \"{}\" ({} points) into {} stories",
                        story.title,
                        story.points.unwrap_or_default(),
                        parts.len()
                    ));
                    let n = parts.len();
                    backlog.epics[e].stories.splice(s..=s, parts);
                    s += n;
                }
                Err(why) => {
                    report.push(format!("could not split \"{}\": {why}", story.title));
                    s += 1;
                }
            }
        }
    }
    report
}

/// The team's constraints in words, from the form's or the command line's fields.
pub fn constraints(
    team_size: Option<u32>,
    sprint_days: Option<u32>,
    deadline: Option<chrono::NaiveDate>,
    other: Option<&str>,
) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(n) = team_size {
        parts.push(format!("a team of {n}"));
    }
    if let Some(d) = sprint_days {
        parts.push(format!("sprints of {d} days"));
    }
    if let Some(d) = deadline {
        parts.push(format!("everything done by {d}"));
    }
    if let Some(o) = other.map(str::trim).filter(|o| !o.is_empty()) {
        parts.push(o.to_owned());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
