//! Model runs that made proposals: who asked, when, which model and prompt version (hash), the
//! documents given (name and hash), tokens and cost. Each is also a line in the audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    RECORD = "INSERT INTO generator_runs (proposal_id, kind, author, at, model, template_hash, files_json, \
        input_tokens, output_tokens, cost, attempts, brief_json) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    OF_PROPOSAL = "SELECT id, proposal_id, kind, author, at, model, template_hash, files_json, input_tokens, \
        output_tokens, cost, attempts, brief_json FROM generator_runs WHERE proposal_id = ? ORDER BY id";
    LAST_BRIEF = "SELECT brief_json FROM generator_runs WHERE proposal_id = ? AND brief_json != '{}' \
        ORDER BY id DESC LIMIT 1";
    QUESTION_BRIEFS = "SELECT brief_json FROM generator_runs WHERE kind = 'questions' ORDER BY id DESC LIMIT 50";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewRun {
    /// `generate`, `refine`, `split` or `chat`.
    pub kind: &'static str,
    pub author: String,
    pub model: Option<String>,
    /// SHA-256 of the prompt template the run sent.
    pub template_hash: String,
    /// Documents given as context: `name sha256:…`.
    pub files: Vec<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost: Option<f64>,
    pub attempts: u32,
    /// What was asked, as JSON (see `generator::run::Request::brief`).
    pub brief: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub proposal_id: Option<i64>,
    pub kind: String,
    pub author: String,
    pub at: String,
    pub model: Option<String>,
    pub template_hash: String,
    pub files_json: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost: Option<f64>,
    pub attempts: i64,
    pub brief_json: String,
}

/// Keeps the run (for `proposal`) and its audit line.
pub async fn record(
    conn: &mut SqliteConnection,
    proposal: Option<i64>,
    run: &NewRun,
    now: DateTime<Utc>,
) -> Result<i64> {
    let files = serde_json::to_string(&run.files).unwrap_or_else(|_| "[]".to_owned());
    let id = sqlx::query_scalar(RECORD)
        .bind(proposal)
        .bind(run.kind)
        .bind(&run.author)
        .bind(to_db(now))
        .bind(&run.model)
        .bind(&run.template_hash)
        .bind(&files)
        .bind(i64::try_from(run.input_tokens).unwrap_or(i64::MAX))
        .bind(i64::try_from(run.output_tokens).unwrap_or(i64::MAX))
        .bind(run.cost)
        .bind(i64::from(run.attempts.max(1)))
        .bind(if run.brief.is_null() {
            "{}".to_owned()
        } else {
            run.brief.to_string()
        })
        .fetch_one(&mut *conn)
        .await?;
    super::proposals::audit(
        conn,
        &run.author,
        &format!("model run: {}", run.kind),
        proposal,
        &serde_json::json!({
            "run": id,
            "model": run.model,
            "template": run.template_hash,
            "files": run.files,
            "tokens": [run.input_tokens, run.output_tokens],
            "cost": run.cost,
            "attempts": run.attempts.max(1),
        }),
        now,
    )
    .await?;
    Ok(id)
}

/// The runs behind a proposal, oldest first.
pub async fn of_proposal(pool: &SqlitePool, proposal: i64) -> Result<Vec<Run>> {
    Ok(sqlx::query_as(OF_PROPOSAL)
        .bind(proposal)
        .fetch_all(pool)
        .await?)
}

/// What the newest run behind `proposal` was asked (`None`: no run kept one).
pub async fn brief_of(pool: &SqlitePool, proposal: i64) -> Result<Option<serde_json::Value>> {
    let text: Option<String> = sqlx::query_scalar(LAST_BRIEF)
        .bind(proposal)
        .fetch_optional(pool)
        .await?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// The questions the model last asked about `idea` for `project` (kept by a `questions` run),
/// so answers given on the command line can be paired with them.
pub async fn last_questions(
    pool: &SqlitePool,
    idea: &str,
    project: &str,
) -> Result<Option<Vec<String>>> {
    let briefs: Vec<String> = sqlx::query_scalar(QUESTION_BRIEFS).fetch_all(pool).await?;
    Ok(briefs
        .iter()
        .filter_map(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        .find(|b| b["idea"] == idea && b["project"] == project)
        .and_then(|b| serde_json::from_value(b["questions"].clone()).ok()))
}

/// A model run's audit detail in one line: model, template version, documents, tokens, cost.
/// `None` for other audit rows.
pub fn summary(action: &str, detail_json: &str) -> Option<String> {
    if !action.starts_with("model run") {
        return None;
    }
    let d: serde_json::Value = serde_json::from_str(detail_json).ok()?;
    let mut parts = Vec::new();
    if let Some(m) = d["model"].as_str() {
        parts.push(format!("model {m}"));
    }
    if let Some(t) = d["template"].as_str() {
        parts.push(format!("template {}", &t[..t.len().min(8)]));
    }
    let files = d["files"].as_array().map_or(0, Vec::len);
    if files > 0 {
        parts.push(format!("{files} document(s)"));
    }
    if let (Some(i), Some(o)) = (d["tokens"][0].as_u64(), d["tokens"][1].as_u64()) {
        parts.push(format!("{i} tokens in, {o} out"));
    }
    if let Some(c) = d["cost"].as_f64() {
        parts.push(format!("${c:.4}"));
    }
    Some(parts.join(" · "))
}
