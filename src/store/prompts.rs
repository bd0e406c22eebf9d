//! Prompt versions (immutable: a trigger refuses updates), the agent outputs attached to them
//! (content stored once per checksum), and usage figures.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    /// The newest version of an issue (`?1`) from a template (`?2`).
    LATEST_VERSION = "SELECT v.id, v.issue_key, v.template, v.template_hash, v.text_hash, \
        v.text, v.tokens, v.tokenizer, v.author, v.created_at, \
        (SELECT count(*) FROM prompt_outputs o WHERE o.version_id = v.id) AS outputs \
        FROM prompt_versions v \
        WHERE v.issue_id = ? AND v.template = ? ORDER BY v.id DESC LIMIT 1";
    VERSION = "SELECT v.id, v.issue_key, v.template, v.template_hash, v.text_hash, \
        v.text, v.tokens, v.tokenizer, v.author, v.created_at, \
        (SELECT count(*) FROM prompt_outputs o WHERE o.version_id = v.id) AS outputs \
        FROM prompt_versions v WHERE v.id = ?";
    /// An issue's versions, newest first.
    VERSIONS_OF_ISSUE = "SELECT v.id, v.issue_key, v.template, v.template_hash, v.text_hash, \
        v.text, v.tokens, v.tokenizer, v.author, v.created_at, \
        (SELECT count(*) FROM prompt_outputs o WHERE o.version_id = v.id) AS outputs \
        FROM prompt_versions v \
        WHERE v.issue_id = ? ORDER BY v.id DESC";
    NEW_VERSION = "INSERT INTO prompt_versions (issue_id, issue_key, template, template_hash, text_hash, \
        text, tokens, tokenizer, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
        RETURNING id";
    /// Content is stored once per checksum.
    KEEP_OUTPUT_TEXT = "INSERT OR IGNORE INTO prompt_output_blobs (sha256, bytes, text) VALUES (?, ?, ?)";
    ATTACH_OUTPUT = "INSERT OR IGNORE INTO prompt_outputs (version_id, sha256, source, created_at) VALUES (?, ?, ?, ?)";
    /// Versions since `?1` (today), after `?2` (this week), in all, and their average tokens.
    VERSION_COUNTS = "SELECT count(*) FILTER (WHERE created_at >= ?), count(*) FILTER (WHERE created_at > ?), \
        count(*), avg(tokens) FROM prompt_versions";
    TOP_TEMPLATES = "SELECT template, count(*) AS n FROM prompt_versions GROUP BY template ORDER BY n DESC, template LIMIT 5";
    TOP_ISSUES = "SELECT issue_key, count(*) AS n FROM prompt_versions GROUP BY issue_key ORDER BY n DESC, issue_key LIMIT 5";
    OUTPUT_COUNT = "SELECT count(*) FROM prompt_outputs";
}

/// The largest output kept: agent answers are text; anything bigger is most likely a mistake.
pub const MAX_OUTPUT_BYTES: usize = 5 * 1024 * 1024;

/// A render to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub issue_id: i64,
    pub issue_key: String,
    pub template: String,
    pub template_hash: String,
    pub text: String,
    pub tokens: i64,
    pub tokenizer: String,
    pub author: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Version {
    pub id: i64,
    pub issue_key: String,
    pub template: String,
    pub template_hash: String,
    pub text_hash: String,
    pub text: String,
    pub tokens: i64,
    pub tokenizer: String,
    pub author: String,
    pub created_at: String,
    /// Outputs attached to it.
    pub outputs: i64,
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps a render as a new version, unless the latest version of the same issue and template
/// has the same text from the same template: then that one is returned. `true`: a new one.
pub async fn record(
    conn: &mut SqliteConnection,
    new: &NewVersion,
    now: DateTime<Utc>,
) -> Result<(Version, bool)> {
    let text_hash = sha256(new.text.as_bytes());
    let latest: Option<Version> = sqlx::query_as(LATEST_VERSION)
        .bind(new.issue_id)
        .bind(&new.template)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(v) = latest
        && v.text_hash == text_hash
        && v.template_hash == new.template_hash
    {
        return Ok((v, false));
    }
    let id: i64 = sqlx::query_scalar(NEW_VERSION)
        .bind(new.issue_id)
        .bind(&new.issue_key)
        .bind(&new.template)
        .bind(&new.template_hash)
        .bind(&text_hash)
        .bind(&new.text)
        .bind(new.tokens)
        .bind(&new.tokenizer)
        .bind(&new.author)
        .bind(to_db(now))
        .fetch_one(&mut *conn)
        .await?;
    let v = sqlx::query_as(VERSION)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((v, true))
}

pub async fn version(pool: &SqlitePool, id: i64) -> Result<Option<Version>> {
    Ok(sqlx::query_as(VERSION)
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// An issue's versions, newest first.
pub async fn versions(pool: &SqlitePool, issue_id: i64) -> Result<Vec<Version>> {
    Ok(sqlx::query_as(VERSIONS_OF_ISSUE)
        .bind(issue_id)
        .fetch_all(pool)
        .await?)
}

/// Why an output cannot be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("the output is {bytes} bytes, over the {MAX_OUTPUT_BYTES}-byte (5 MiB) limit")]
    TooLarge { bytes: usize },
    #[error("the output is not text (binary data); attach the agent's text answer")]
    Binary,
}

/// The output as text, if it may be kept: at most 5 MiB, UTF-8, no NUL bytes.
pub fn check_output(bytes: &[u8]) -> std::result::Result<&str, OutputError> {
    if bytes.len() > MAX_OUTPUT_BYTES {
        return Err(OutputError::TooLarge { bytes: bytes.len() });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(text),
        _ => Err(OutputError::Binary),
    }
}

/// Attaches `text` to a version; the same text twice on a version is one attachment, and the
/// content is stored once however many versions it is attached to. Returns its checksum and
/// whether it was new for this version.
pub async fn attach_output(
    conn: &mut SqliteConnection,
    version_id: i64,
    text: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(String, bool)> {
    let sha = sha256(text.as_bytes());
    sqlx::query(KEEP_OUTPUT_TEXT)
        .bind(&sha)
        .bind(i64::try_from(text.len()).unwrap_or(i64::MAX))
        .bind(text)
        .execute(&mut *conn)
        .await?;
    let added = sqlx::query(ATTACH_OUTPUT)
        .bind(version_id)
        .bind(&sha)
        .bind(source)
        .bind(to_db(now))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok((sha, added == 1))
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub today: i64,
    pub this_week: i64,
    pub total: i64,
    pub average_tokens: Option<f64>,
    /// Template name and versions, most used first (at most 5).
    pub top_templates: Vec<(String, i64)>,
    /// Issue key and versions, most first (at most 5).
    pub top_issues: Vec<(String, i64)>,
    pub outputs: i64,
}

/// Prompt figures: today is since midnight (UTC), this week the last 7 days.
pub async fn stats(pool: &SqlitePool, now: DateTime<Utc>) -> Result<Stats> {
    let midnight = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let day = to_db(midnight);
    let week = to_db(now - Duration::days(7));
    let (today, this_week, total, average_tokens): (i64, i64, i64, Option<f64>) =
        sqlx::query_as(VERSION_COUNTS)
            .bind(&day)
            .bind(&week)
            .fetch_one(pool)
            .await?;
    let top_templates = sqlx::query_as(TOP_TEMPLATES).fetch_all(pool).await?;
    let top_issues = sqlx::query_as(TOP_ISSUES).fetch_all(pool).await?;
    let outputs = sqlx::query_scalar(OUTPUT_COUNT).fetch_one(pool).await?;
    Ok(Stats {
        today,
        this_week,
        total,
        average_tokens,
        top_templates,
        top_issues,
        outputs,
    })
}
