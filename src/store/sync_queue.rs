//! What a first sync remembers while it runs: the issues it listed and has not fetched yet, in
//! the listing's order. Each batch fetched leaves the queue in the transaction that stores it,
//! so a sync that stopped resumes with what is left.

use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::Result;
use crate::store::sql::{Statement, fragments, statements};

statements! {
    /// The queue's ids of a source, in the listing's order.
    QUEUED = "SELECT remote_id FROM sync_queue WHERE source_name = ? ORDER BY position";
    /// Where the next listed id goes.
    NEXT_POSITION = "SELECT coalesce(max(position), 0) + 1 FROM sync_queue WHERE source_name = ?";
    CLEAR = "DELETE FROM sync_queue WHERE source_name = ?";
}

fragments! {
    ENQUEUE_HEAD = "INSERT OR IGNORE INTO sync_queue (source_name, remote_id, position) ";
    /// The source, then an `IN` list of ids.
    DEQUEUE_HEAD = "DELETE FROM sync_queue WHERE source_name = ";
    DEQUEUE_IN = " AND remote_id IN (";
}

/// Adds listed ids after those already queued (an id queued before keeps its place).
pub async fn enqueue(conn: &mut SqliteConnection, source: &str, ids: &[String]) -> Result<()> {
    let first: i64 = sqlx::query_scalar(NEXT_POSITION)
        .bind(source)
        .fetch_one(&mut *conn)
        .await?;
    let mut position = first;
    for chunk in ids.chunks(500) {
        enqueue_query(source, chunk, position)
            .build()
            .execute(&mut *conn)
            .await?;
        position += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
    }
    Ok(())
}

fn enqueue_query<'a>(source: &'a str, ids: &'a [String], first: i64) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(ENQUEUE_HEAD);
    let rows = ids.iter().zip(first..);
    q.push_values(rows, |mut row, (id, position)| {
        row.push_bind(source).push_bind(id).push_bind(position);
    });
    q
}

/// The ids still to fetch, in the listing's order.
pub async fn queued(pool: &SqlitePool, source: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(QUEUED)
        .bind(source)
        .fetch_all(pool)
        .await?)
}

/// Takes fetched ids off the queue (in the transaction that stores them).
pub async fn dequeue(conn: &mut SqliteConnection, source: &str, ids: &[String]) -> Result<()> {
    for chunk in ids.chunks(500) {
        dequeue_query(source, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn dequeue_query<'a>(source: &'a str, ids: &'a [String]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(DEQUEUE_HEAD);
    q.push_bind(source);
    q.push(DEQUEUE_IN);
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    q.push(")");
    q
}

/// Empties a source's queue (a first sync starting over, or done).
pub async fn clear(conn: &mut SqliteConnection, source: &str) -> Result<()> {
    sqlx::query(CLEAR).bind(source).execute(conn).await?;
    Ok(())
}

/// Instances of this module's dynamic statements, for the schema check.
pub(crate) fn examples() -> Vec<Statement> {
    let ids = ["10001".to_owned(), "10002".to_owned()];
    let example =
        |name, q: QueryBuilder<Sqlite>| Statement::example(module_path!(), name, q.into_string());
    vec![
        example("enqueue", enqueue_query("jira", &ids, 1)),
        example("dequeue", dequeue_query("jira", &ids)),
    ]
}
