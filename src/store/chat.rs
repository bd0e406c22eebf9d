//! Chat conversations: each finished, stopped or failed turn is kept (question and answer, the
//! answer marked incomplete when it did not finish), so the pane reopens where it was.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use super::Result;
use crate::domain::time::to_db;
use crate::store::sql::statements;

statements! {
    TOUCH_CONVERSATION = "UPDATE chat_conversations SET updated_at = ?, profile = ? WHERE id = ?";
    NEW_CONVERSATION = "INSERT INTO chat_conversations (title, profile, created_at, updated_at) \
        VALUES (?, ?, ?, ?) RETURNING id";
    ADD_QUESTION = "INSERT INTO chat_messages (conversation_id, role, text, created_at) VALUES (?, 'user', ?, ?)";
    ADD_ANSWER = "INSERT INTO chat_messages (conversation_id, role, text, input_tokens, output_tokens, complete, prompt_hash, created_at) \
        VALUES (?, 'assistant', ?, ?, ?, ?, ?, ?)";
    /// Conversations (only `?1` when not null), most recently used first, at most `?2`.
    CONVERSATIONS = "SELECT c.id, c.title, c.profile, c.updated_at, \
        (SELECT count(*) FROM chat_messages m WHERE m.conversation_id = c.id AND m.role = 'user') AS questions \
        FROM chat_conversations c WHERE ?1 IS NULL OR c.id = ?1 \
        ORDER BY c.updated_at DESC, c.id DESC LIMIT ?2";
    MESSAGES = "SELECT role, text, complete, input_tokens, output_tokens FROM chat_messages \
        WHERE conversation_id = ? ORDER BY id";
}

#[derive(Debug, Clone, PartialEq)]
pub struct SavedTurn {
    pub question: String,
    pub answer: String,
    pub complete: bool,
    pub usage: Option<(i64, i64)>,
}

/// A stored conversation, as the list to reopen shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Conversation {
    pub id: i64,
    pub title: String,
    /// The `[llm.profiles]` name it last asked (`None`: the default one).
    pub profile: Option<String>,
    pub updated_at: String,
    pub questions: i64,
}

/// Appends a turn to `conversation` (a new one, titled by the question, when `None`), asked of
/// `profile` with the chat prompt whose hash is `prompt_hash`; returns the conversation's id.
pub async fn save_turn(
    conn: &mut SqliteConnection,
    conversation: Option<i64>,
    profile: Option<&str>,
    turn: &SavedTurn,
    prompt_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let at = to_db(now);
    let id = if let Some(id) = conversation {
        sqlx::query(TOUCH_CONVERSATION)
            .bind(&at)
            .bind(profile)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        id
    } else {
        let title: String = turn.question.chars().take(80).collect();
        sqlx::query_scalar(NEW_CONVERSATION)
            .bind(title)
            .bind(profile)
            .bind(&at)
            .bind(&at)
            .fetch_one(&mut *conn)
            .await?
    };
    sqlx::query(ADD_QUESTION)
        .bind(id)
        .bind(&turn.question)
        .bind(&at)
        .execute(&mut *conn)
        .await?;
    sqlx::query(ADD_ANSWER)
        .bind(id)
        .bind(&turn.answer)
        .bind(turn.usage.map(|u| u.0))
        .bind(turn.usage.map(|u| u.1))
        .bind(turn.complete)
        .bind(prompt_hash)
        .bind(&at)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Role, text, complete, input and output tokens.
type MessageRow = (String, String, bool, Option<i64>, Option<i64>);

/// Conversations, most recently used first.
pub async fn list(pool: &SqlitePool, limit: i64) -> Result<Vec<Conversation>> {
    conversations(pool, None, limit).await
}

/// Conversations (only `id` when given), most recently used first.
async fn conversations(
    pool: &SqlitePool,
    id: Option<i64>,
    limit: i64,
) -> Result<Vec<Conversation>> {
    Ok(sqlx::query_as(CONVERSATIONS)
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// A conversation with its turns, oldest first: the one `id` names, or the most recently used.
pub async fn load(
    pool: &SqlitePool,
    id: Option<i64>,
) -> Result<Option<(Conversation, Vec<SavedTurn>)>> {
    let Some(conversation) = conversations(pool, id, 1).await?.into_iter().next() else {
        return Ok(None);
    };
    let id = conversation.id;
    let rows: Vec<MessageRow> = sqlx::query_as(MESSAGES).bind(id).fetch_all(pool).await?;
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
    Ok(Some((conversation, turns)))
}
