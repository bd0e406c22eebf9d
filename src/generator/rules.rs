//! The rules a generated backlog must pass (`[generator]` in the config): story size, acceptance
//! criteria, summary length, one target project, and no duplicate of an existing issue. Errors
//! block applying; warnings may be accepted.

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::backlog::Backlog;
use crate::store::Result;

/// `[generator]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// A story above this needs splitting.
    pub max_story_points: f64,
    /// Each story needs at least this many acceptance criteria.
    pub min_acceptance_criteria: usize,
    /// Titles (summaries) longer than this are refused.
    pub max_summary_chars: usize,
    /// Title similarity (0–1, Jaro-Winkler) from which an existing issue counts as a duplicate.
    pub duplicate_similarity: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            max_story_points: 8.0,
            min_acceptance_criteria: 1,
            max_summary_chars: 150,
            duplicate_similarity: 0.92,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Blocks applying until fixed.
    Error,
    /// Shown; may be accepted.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// Where: `epics[0].stories[2]`.
    pub path: String,
    pub level: Level,
    pub rule: &'static str,
    pub message: String,
}

/// The rules that need no database, in order of the items.
pub fn check(backlog: &Backlog, rules: &Rules, target_project: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |path: String, level, rule, message: String| {
        out.push(Violation {
            path,
            level,
            rule,
            message,
        });
    };
    if !backlog.project.eq_ignore_ascii_case(target_project) {
        push(
            "project".to_owned(),
            Level::Error,
            "one_project",
            format!(
                "the backlog names project {:?}; everything goes to {target_project:?}",
                backlog.project
            ),
        );
    }
    let long = |title: &str| title.chars().count() > rules.max_summary_chars;
    for (e, epic) in backlog.epics.iter().enumerate() {
        if long(&epic.title) {
            push(
                format!("epics[{e}]"),
                Level::Error,
                "summary_length",
                format!(
                    "the title has {} characters (at most {})",
                    epic.title.chars().count(),
                    rules.max_summary_chars
                ),
            );
        }
        for (s, story) in epic.stories.iter().enumerate() {
            let path = format!("epics[{e}].stories[{s}]");
            if long(&story.title) {
                push(
                    path.clone(),
                    Level::Error,
                    "summary_length",
                    format!(
                        "the title has {} characters (at most {})",
                        story.title.chars().count(),
                        rules.max_summary_chars
                    ),
                );
            }
            match story.points {
                Some(p) if p > rules.max_story_points => push(
                    path.clone(),
                    Level::Error,
                    "needs_split",
                    format!(
                        "{p} points is more than {} for one story: needs splitting",
                        rules.max_story_points
                    ),
                ),
                None => push(
                    path.clone(),
                    Level::Warning,
                    "unestimated",
                    "no estimate".to_owned(),
                ),
                Some(_) => {}
            }
            let criteria = story
                .acceptance_criteria
                .iter()
                .filter(|c| !c.trim().is_empty())
                .count();
            if criteria < rules.min_acceptance_criteria {
                push(
                    path.clone(),
                    Level::Error,
                    "acceptance_criteria",
                    format!(
                        "{criteria} acceptance criteria (at least {} needed)",
                        rules.min_acceptance_criteria
                    ),
                );
            }
            for (t, task) in story.tasks.iter().enumerate() {
                if long(&task.title) {
                    push(
                        format!("{path}.tasks[{t}]"),
                        Level::Error,
                        "summary_length",
                        format!(
                            "the title has {} characters (at most {})",
                            task.title.chars().count(),
                            rules.max_summary_chars
                        ),
                    );
                }
            }
        }
    }
    out
}

/// Stories whose title is close to an existing open issue's (full-text candidates, then
/// Jaro-Winkler on the titles): flagged with the existing key.
pub async fn duplicates(
    pool: &SqlitePool,
    backlog: &Backlog,
    rules: &Rules,
) -> Result<Vec<Violation>> {
    let mut out = Vec::new();
    for (e, epic) in backlog.epics.iter().enumerate() {
        for (s, story) in epic.stories.iter().enumerate() {
            let Some(query) = fts_words(&story.title) else {
                continue;
            };
            let hits = crate::store::search::titles_matching(pool, &query).await?;
            let wanted = story.title.to_lowercase();
            let best = hits
                .into_iter()
                .map(|(key, title)| {
                    (
                        strsim::jaro_winkler(&wanted, &title.to_lowercase()),
                        key,
                        title,
                    )
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((score, key, title)) = best
                && score >= rules.duplicate_similarity
            {
                out.push(Violation {
                    path: format!("epics[{e}].stories[{s}]"),
                    level: Level::Warning,
                    rule: "duplicate",
                    message: format!("looks like {key} ({title}), {:.0}% alike", score * 100.0),
                });
            }
        }
    }
    Ok(out)
}

/// Words too common to find a duplicate by.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "from", "into", "that", "this", "can", "are", "our", "all", "not",
    "but", "has", "have", "will", "its", "their", "when", "then", "via", "per",
];

/// The title's words as an FTS5 query on the title column where any may match (descriptions
/// and common words would only add candidates that cannot be alike enough).
fn fts_words(title: &str) -> Option<String> {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| format!("title : ({})", words.join(" OR ")))
}

/// Whether the backlog may be applied: no error-level violation left.
pub fn applicable(violations: &[Violation]) -> bool {
    violations.iter().all(|v| v.level != Level::Error)
}
