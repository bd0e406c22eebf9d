//! Chat conversations: each finished, stopped or failed turn is kept (question and answer, the
//! answer marked incomplete when it did not finish), so the pane reopens where it was.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;

#[derive(Debug, Clone, PartialEq)]
pub struct SavedTurn {
    pub question: String,
    pub answer: String,
    pub complete: bool,
    pub usage: Option<(i64, i64)>,
}

/// Appends a turn to `conversation` (a new one, titled by the question, when `None`); returns
/// the conversation's id.
pub async fn save_turn(
    conn: &mut SqliteConnection,
    conversation: Option<i64>,
    turn: &SavedTurn,
    now: DateTime<Utc>,
) -> Result<i64> {
    let at = to_db(now);
    let id = if let Some(id) = conversation {
        sqlx::query("UPDATE chat_conversations SET updated_at = ? WHERE id = ?")
            .bind(&at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        id
    } else {
        let title: String = turn.question.chars().take(80).collect();
        sqlx::query_scalar(
            "INSERT INTO chat_conversations (title, created_at, updated_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(title)
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *conn)
        .await?
    };
    sqlx::query(
        "INSERT INTO chat_messages (conversation_id, role, text, created_at) VALUES (?, 'user', ?, ?)",
    )
    .bind(id)
    .bind(&turn.question)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO chat_messages (conversation_id, role, text, input_tokens, output_tokens, complete, created_at) \
         VALUES (?, 'assistant', ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(&turn.answer)
    .bind(turn.usage.map(|u| u.0))
    .bind(turn.usage.map(|u| u.1))
    .bind(turn.complete)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Role, text, complete, input and output tokens.
type MessageRow = (String, String, bool, Option<i64>, Option<i64>);

/// The most recently used conversation and its turns, oldest first.
pub async fn latest(pool: &SqlitePool) -> Result<Option<(i64, Vec<SavedTurn>)>> {
    let Some(id): Option<i64> = sqlx::query_scalar(
        "SELECT id FROM chat_conversations ORDER BY updated_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT role, text, complete, input_tokens, output_tokens FROM chat_messages \
         WHERE conversation_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut turns = Vec::new();
    let mut question = None;
    for (role, text, complete, input, output) in rows {
        match role.as_str() {
            "user" => question = Some(text),
            "assistant" => turns.push(SavedTurn {
                question: question.take().unwrap_or_default(),
                answer: text,
                complete,
                usage: input.zip(output),
            }),
            _ => {}
        }
    }
    Ok(Some((id, turns)))
}
