//! What sync writes and reads about GitLab groups beyond the batch: epics stored under a child
//! project by older versions moved into their group's row, and the epics a source's groups hold
//! (reconcile compares them with the groups' listings).

use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::Result;
use crate::store::sql::{Statement, fragments, statements};

statements! {
    /// Live issues held by a source's group rows (epics): id and remote id.
    LIVE_GROUP_ISSUES = "SELECT i.id, i.remote_id FROM issues i JOIN projects p ON p.id = i.project_id \
        WHERE p.source_name = ? AND p.kind = 'group' AND i.gone_at IS NULL";
}

fragments! {
    /// (issue remote id, group remote id) rows of `VALUES` follow, then the tail.
    ADOPT_HEAD = "WITH m(remote_id, group_remote_id) AS (SELECT * FROM (";
    /// Then the source, twice.
    ADOPT_MIDDLE = ")) UPDATE issues SET project_id = (SELECT g.id FROM m JOIN projects g \
        ON g.remote_id = m.group_remote_id AND g.kind = 'group' AND g.source_name = ";
    ADOPT_TAIL_HEAD = " WHERE m.remote_id = issues.remote_id) \
        WHERE remote_id IN (SELECT remote_id FROM m) \
        AND project_id IN (SELECT id FROM projects WHERE kind = 'project' AND source_name = ";
    ADOPT_TAIL = ")";
}

/// Moves issues (epics) that a source stored under a project into the group rows that hold
/// them: `(remote id, group's remote id)` pairs. Their ids, and so their children's links and
/// local overrides, stay. Run after the group rows exist and before the epics are upserted.
pub async fn adopt_into_groups(
    conn: &mut SqliteConnection,
    source: &str,
    pairs: &[(String, String)],
) -> Result<()> {
    for chunk in pairs.chunks(500) {
        adopt_query(source, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn adopt_query(source: &str, pairs: &[(String, String)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(ADOPT_HEAD);
    q.push_values(pairs, |mut row, (remote, group)| {
        row.push_bind(remote).push_bind(group);
    });
    q.push(ADOPT_MIDDLE);
    q.push_bind(source);
    q.push(ADOPT_TAIL_HEAD);
    q.push_bind(source);
    q.push(ADOPT_TAIL);
    q
}

/// Live issues (epics) of the source's groups: id and remote id.
pub async fn live_group_issues(pool: &SqlitePool, source: &str) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(LIVE_GROUP_ISSUES)
        .bind(source)
        .fetch_all(pool)
        .await?)
}

/// Instances of this module's dynamic statements, for the schema check.
pub(crate) fn examples() -> Vec<Statement> {
    let pairs = [
        ("epic:1".to_owned(), "group:2".to_owned()),
        ("epic:3".to_owned(), "group:4".to_owned()),
    ];
    vec![Statement::example(
        module_path!(),
        "adopt_into_groups",
        adopt_query("gitlab", &pairs).into_string(),
    )]
}
