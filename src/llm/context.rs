//! Grounding: what the model is told about the backlog for one question, within a token budget.
//! Issues the question names, full-text (BM25) hits for its words, the selected issue, the
//! active sprint and each person's load — every item tagged with its issue key, so answers can
//! cite them. Exactly this text is what leaves the machine.

use std::fmt::Write as _;

use sqlx::SqlitePool;

use crate::store::StoreError;
use crate::store::search::{self, Hit};

pub const SYSTEM_PROMPT: &str = include_str!("../../assets/prompts/chat/system.md");

/// Roughly four characters per token: good enough to stay under a budget.
pub fn tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grounding {
    pub text: String,
    /// The issue keys the context includes, in order.
    pub keys: Vec<String>,
}

/// Words of the question as an FTS5 query: each quoted, any may match.
fn fts_query(question: &str) -> Option<String> {
    const STOP: [&str; 24] = [
        "the", "and", "for", "with", "what", "who", "why", "how", "is", "are", "was", "this",
        "that", "from", "about", "which", "when", "does", "into", "our", "any", "all", "its",
        "has",
    ];
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOP.contains(&w.to_lowercase().as_str()))
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

/// Issue keys written in the question: `OPS-112`, `web/shop#12`.
pub fn named_keys(question: &str) -> Vec<String> {
    question
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '?' | '!' | '(' | ')' | '[' | ']' | '"' | '\'')
        })
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| {
            let jira = w.split_once('-').is_some_and(|(p, n)| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
            });
            let gitlab = w.split_once('#').is_some_and(|(p, n)| {
                !p.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
            });
            jira || gitlab
        })
        .map(str::to_owned)
        .collect()
}

/// Issue keys an answer cites in square brackets (`[OPS-12]`, `[OPS-1, OPS-2]`), each once, in
/// the order they first appear.
pub fn citations(answer: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for chunk in answer.split('[').skip(1) {
        let Some((inside, _)) = chunk.split_once(']') else {
            continue;
        };
        for key in named_keys(inside) {
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

fn describe(hit: &Hit, descriptions: bool) -> String {
    let mut line = format!("[{}] {} — status {}", hit.key, hit.title, hit.status);
    if let Some(p) = hit.story_points {
        let _ = write!(line, ", {p} points");
    }
    if let Some(a) = &hit.assignees {
        let _ = write!(line, ", assigned to {a}");
    }
    if descriptions && !hit.description.trim().is_empty() {
        let short: String = hit.description.chars().take(600).collect();
        let _ = write!(line, "\n  {}", short.replace('\n', "\n  "));
    }
    line
}

/// The context for `question`: named issues, the selected one, full-text hits, then the
/// sprint and load summary, stopping before `budget` tokens.
pub async fn build(
    pool: &SqlitePool,
    question: &str,
    selected: Option<&str>,
    summary: Option<&str>,
    budget: usize,
    descriptions: bool,
) -> Result<Grounding, StoreError> {
    let mut g = Grounding::default();
    let add = |g: &mut Grounding, key: Option<&str>, text: String| -> bool {
        if key.is_some_and(|k| g.keys.iter().any(|x| x == k)) {
            return true;
        }
        if tokens(&g.text) + tokens(&text) + 1 > budget {
            return false;
        }
        g.text.push_str(&text);
        g.text.push('\n');
        if let Some(k) = key {
            g.keys.push(k.to_owned());
        }
        true
    };
    let mut wanted: Vec<String> = named_keys(question);
    wanted.extend(selected.map(str::to_owned));
    for key in wanted {
        if let Some(h) = search::by_key(pool, &key).await? {
            add(&mut g, Some(&h.key.clone()), describe(&h, descriptions));
        }
    }
    if let Some(q) = fts_query(question) {
        for h in search::matching(pool, &q).await? {
            if !add(&mut g, Some(&h.key.clone()), describe(&h, descriptions)) {
                break;
            }
        }
    }
    if let Some(s) = summary {
        add(&mut g, None, s.to_owned());
    }
    Ok(g)
}

/// The sprint and load summary of the workspace in `pool`, with the config's metric settings;
/// `None` when there is nothing to measure.
pub async fn store_summary(
    pool: &SqlitePool,
    config: &crate::config::Config,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    let options = crate::report::Options {
        now,
        sprint: None,
        from: None,
        to: None,
        working_days: crate::domain::metrics::WorkingDays::from_names(&config.metrics.working_days),
        aging_days: config.metrics.aging_wip_days,
        capacity: config.people.capacity.clone(),
        default_capacity: config.people.default_capacity,
        workspace: config.workspace.clone().unwrap_or_default(),
    };
    let report = crate::report::from_store(pool, None, options)
        .await
        .ok()??;
    Some(summary(&report))
}

/// The sprint summary, kept until the data under it (or the day) changes: computing it reads
/// every issue and event, which would put a database scan between Enter and the first token.
#[derive(Clone, Default)]
pub struct SummaryCache(std::sync::Arc<tokio::sync::Mutex<Option<CachedSummary>>>);

/// The data's fingerprint and the summary computed from it.
type CachedSummary = (String, Option<String>);

impl SummaryCache {
    pub async fn get(
        &self,
        pool: &SqlitePool,
        config: &crate::config::Config,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<String> {
        let key = fingerprint(pool, now).await;
        // Held while computing: a question asked during the warm-up waits for it.
        let mut slot = self.0.lock().await;
        if let (Some(k), Some((cached, summary))) = (&key, slot.as_ref())
            && k == cached
        {
            return summary.clone();
        }
        let summary = store_summary(pool, config, now).await;
        if let Some(k) = key {
            *slot = Some((k, summary.clone()));
        }
        summary
    }
}

/// Changes whenever a sync or a local edit changes what the summary reads (all index or rowid
/// look-ups), and with the day.
async fn fingerprint(pool: &SqlitePool, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let data = crate::store::metrics::fingerprint(pool).await.ok()?;
    Some(format!("{data} {}", now.date_naive()))
}

/// The active sprint and each person's load, from the same report as the dashboard.
pub fn summary(report: &crate::report::Report) -> String {
    let mut out = String::new();
    if let Some(s) = &report.sprint {
        let _ = writeln!(
            out,
            "Active sprint {}: {} to {}, committed {} {}, completed {}, remaining {}, {} days left.",
            s.name,
            s.start.as_deref().unwrap_or("?"),
            s.end.as_deref().unwrap_or("?"),
            s.committed,
            s.unit,
            s.completed,
            s.remaining,
            s.days_left
                .map_or_else(|| "?".to_owned(), |d| d.to_string())
        );
    }
    let c = &report.counts;
    let _ = writeln!(
        out,
        "In progress {}, overdue {}, blocked {}: {}.",
        c.in_progress.count,
        c.overdue.count,
        c.blocked.count,
        c.blocked
            .keys
            .iter()
            .take(10)
            .map(|k| format!("[{k}]"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for p in &report.people {
        let _ = writeln!(
            out,
            "{}: {} open, {} in progress, {} points this sprint of {} capacity{}.",
            p.person,
            p.open,
            p.in_progress,
            p.sprint_points,
            p.capacity
                .map_or_else(|| "no".to_owned(), |c| c.to_string()),
            if p.over_capacity {
                " (over capacity)"
            } else {
                ""
            }
        );
    }
    out
}
