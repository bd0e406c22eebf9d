//! Links read one issue at a time (GitLab lists them per issue, both directions): the issues
//! whose links are due (never read, or read before the issue last changed), and each read
//! replacing the links whole, with the mark that it was read.

use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::Result;
use crate::store::sql::{Statement, fragments, statements};

statements! {
    /// Live issues of a project whose links were never read, or read before the issue changed:
    /// id, key, `updated_at`, oldest change first.
    LINKS_DUE = "SELECT i.id, i.key, i.updated_at FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE p.source_name = ? AND p.remote_id = ? AND i.gone_at IS NULL \
        AND (i.links_synced_at IS NULL OR i.links_synced_at < i.updated_at) \
        ORDER BY i.updated_at, i.id";
}

fragments! {
    /// Links from the issues of an `IN` list of ids.
    CLEAR_FROM_HEAD = "DELETE FROM issue_links WHERE from_issue_id IN (";
    /// Links to them.
    CLEAR_TO_HEAD = "DELETE FROM issue_links WHERE to_issue_id IN (";
    /// (issue id, `updated_at` read) rows of `VALUES`, then the tail.
    MARK_HEAD = "WITH m(id, at) AS (SELECT * FROM (";
    MARK_TAIL = ")) UPDATE issues SET links_synced_at = (SELECT at FROM m WHERE m.id = issues.id) \
        WHERE id IN (SELECT id FROM m)";
}

/// An issue whose links are due: id, key, `updated_at`.
pub type Due = (i64, String, String);

/// Issues of a project whose links are due, oldest change first.
pub async fn links_due(
    pool: &SqlitePool,
    source: &str,
    project_remote_id: &str,
) -> Result<Vec<Due>> {
    Ok(sqlx::query_as(LINKS_DUE)
        .bind(source)
        .bind(project_remote_id)
        .fetch_all(pool)
        .await?)
}

/// Forgets every link of these issues, either way round: their links were just read whole and
/// are written next in the same transaction.
pub async fn clear_links(conn: &mut SqliteConnection, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(500) {
        for head in [CLEAR_FROM_HEAD, CLEAR_TO_HEAD] {
            in_list(head, chunk).build().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Records that these issues' links were read as of their `updated_at` then.
pub async fn mark_links_read(conn: &mut SqliteConnection, marks: &[(i64, String)]) -> Result<()> {
    for chunk in marks.chunks(500) {
        mark_query(chunk).build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn in_list(head: &str, ids: &[i64]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(head);
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
    q
}

fn mark_query(marks: &[(i64, String)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(MARK_HEAD);
    q.push_values(marks, |mut row, (id, at)| {
        row.push_bind(*id).push_bind(at);
    });
    q.push(MARK_TAIL);
    q
}

/// Instances of this module's dynamic statements, for the schema check.
pub(crate) fn examples() -> Vec<Statement> {
    let example =
        |name, q: QueryBuilder<Sqlite>| Statement::example(module_path!(), name, q.into_string());
    let marks = [(1, "x".to_owned()), (2, "y".to_owned())];
    vec![
        example("clear_from", in_list(CLEAR_FROM_HEAD, &[1, 2])),
        example("clear_to", in_list(CLEAR_TO_HEAD, &[1, 2])),
        example("mark_links_read", mark_query(&marks)),
    ]
}
