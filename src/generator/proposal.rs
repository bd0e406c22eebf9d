//! A generation as a pending `backlog` proposal (the rule results and splits in its explanation,
//! the run in its evidence), and the run's record; shared by `sprintdeck generate` and the
//! generator pane.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::diff::{self, DiffLine};
use super::rules::{self, Level, Violation};
use super::run::Generated;
use crate::domain::proposal::Kind;
use crate::store::proposals::NewProposal;
use crate::store::runs::NewRun;

/// Who ran the generation and with what.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunInfo {
    pub author: String,
    pub model: Option<String>,
    /// Documents given: `name sha256:…`.
    pub files: Vec<String>,
    /// `price_input_per_1k`, `price_output_per_1k` of the profile.
    pub prices: (Option<f64>, Option<f64>),
}

impl RunInfo {
    /// What the run cost, as the chat counts it (both prices known).
    pub fn cost(&self, usage: (u64, u64)) -> Option<f64> {
        crate::llm::cost(usage, self.prices)
    }

    /// The run's record (`generate`, `refine`, `split`).
    pub fn record(
        &self,
        kind: &'static str,
        generated: &Generated,
        brief: serde_json::Value,
    ) -> NewRun {
        NewRun {
            kind,
            author: self.author.clone(),
            model: self.model.clone(),
            template_hash: generated.template_hash.clone(),
            files: self.files.clone(),
            input_tokens: generated.usage.0,
            output_tokens: generated.usage.1,
            cost: self.cost(generated.usage),
            attempts: u32::try_from(generated.attempts).unwrap_or(u32::MAX),
            brief,
        }
    }
}

/// The rule results (and what splitting did, and what a revision changed), one per line.
pub fn explanation(
    violations: &[Violation],
    splits: &[String],
    changed: Option<&[DiffLine]>,
) -> String {
    let mut out = String::new();
    for v in violations {
        let _ = writeln!(
            out,
            "{} {} {}: {}",
            match v.level {
                Level::Error => "error",
                Level::Warning => "warning",
            },
            v.path,
            v.rule,
            v.message
        );
    }
    if violations.is_empty() {
        out.push_str("Every rule passes.\n");
    }
    for s in splits {
        let _ = writeln!(out, "{s}");
    }
    if let Some(lines) = changed {
        out.push_str("\nChanged from the version it replaces:\n");
        out.push_str(&diff::render(lines));
    }
    out
}

/// Severity `high` blocks applying while an error-level rule fails.
pub fn severity(violations: &[Violation]) -> Option<String> {
    (!rules::applicable(violations)).then(|| "high".to_owned())
}

pub fn new_proposal(
    generated: &Generated,
    info: &RunInfo,
    expires_at: DateTime<Utc>,
    changed: Option<&[DiffLine]>,
) -> NewProposal {
    let mut evidence = vec![
        format!("template sha256:{}", &generated.template_hash[..16]),
        format!(
            "{} attempt(s), {} tokens in, {} out",
            generated.attempts, generated.usage.0, generated.usage.1
        ),
    ];
    evidence.extend(info.files.iter().cloned());
    let title = generated
        .backlog
        .epics
        .first()
        .map_or_else(|| "Generated backlog".to_owned(), |e| e.title.clone());
    NewProposal {
        kind: Kind::Backlog,
        title: format!("Backlog: {title}"),
        explanation: explanation(&generated.violations, &generated.splits, changed),
        evidence,
        changes: generated.backlog.changes(None),
        author: format!("llm:{}", info.model.as_deref().unwrap_or_default()),
        expires_at: Some(expires_at),
        fingerprint: None,
        severity: severity(&generated.violations),
    }
}

/// Keeps a generation as a pending proposal with its run, in place of `replaces` (a pending
/// backlog proposal being refined, with the backlog it held): the new id, and what changed.
pub async fn keep(
    store: &crate::store::Store,
    generation: &Generated,
    info: &RunInfo,
    brief: serde_json::Value,
    replaces: Option<(i64, &super::Backlog)>,
    expire_days: u32,
    now: DateTime<Utc>,
) -> crate::store::Result<(i64, Option<Vec<DiffLine>>)> {
    let expires = now + chrono::Duration::days(i64::from(expire_days.max(1)));
    let changed = replaces.map(|(_, old)| diff::diff(old, &generation.backlog));
    let proposal = new_proposal(generation, info, expires, changed.as_deref());
    let record = info.record(
        if replaces.is_some() {
            "refine"
        } else {
            "generate"
        },
        generation,
        brief,
    );
    let old_id = replaces.map(|(id, _)| id);
    let actor = info.author.clone();
    let id = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                let id = match old_id {
                    Some(old) => {
                        crate::store::proposals::supersede(c, old, &proposal, &actor, now).await?
                    }
                    None => crate::store::proposals::create(c, &proposal, now).await?,
                };
                crate::store::runs::record(c, Some(id), &record, now).await?;
                Ok(id)
            })
        })
        .await?;
    Ok((id, changed))
}

/// A person's edit of a pending generated backlog: the rules checked again on what it now
/// holds, and the proposal's changes, explanation and severity replaced; the new violations.
pub async fn recheck(
    store: &crate::store::Store,
    proposal: i64,
    backlog: &super::Backlog,
    rules: &super::Rules,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Violation>, String> {
    let violations = super::run::check(store.pool(), backlog, rules, &backlog.project).await?;
    let mut text = explanation(&violations, &[], None);
    let _ = writeln!(text, "Edited by {actor} before applying.");
    let changes = backlog.changes(None);
    let severity = severity(&violations);
    let actor = actor.to_owned();
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                crate::store::proposals::revise(
                    c,
                    proposal,
                    &changes,
                    &text,
                    severity.as_deref(),
                    &actor,
                    now,
                )
                .await
            })
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(violations)
}
