//! Bulk writes of a [`Batch`]: multi-row upserts inside the writer's transaction. The demo
//! generator writes a whole workspace through it, sync one page at a time: rows already stored
//! (same source and remote id) are updated, history is never duplicated, local overrides are
//! never touched. The per-table upserts are in `upserts`.

pub(super) mod upserts;

use std::collections::{BTreeSet, HashMap};

use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite};

use self::upserts::{
    insert_events, insert_issues, insert_labels_and_assignees, insert_links, insert_memberships,
    insert_people, insert_projects, insert_sprints, link_parents,
};
use crate::domain::records::Batch;
use crate::domain::time::to_db;
use crate::store::sql::{Statement, fragments, statements};
use crate::store::{Result, StoreError};

statements! {
    DELETE_SOURCE_SPRINTS = "DELETE FROM sprints WHERE source_name = ?";
    /// Issues and their history go with their project (cascade).
    DELETE_SOURCE_PROJECTS = "DELETE FROM projects WHERE source_name = ?";
    DELETE_SOURCE_PEOPLE = "DELETE FROM people WHERE source_name = ?";
    DELETE_UNUSED_LABELS = "DELETE FROM labels WHERE id NOT IN (SELECT label_id FROM issue_labels)";
    SET_META = "INSERT INTO workspace_meta (key, value) VALUES (?, ?) \
        ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    OPTIMIZE_SEARCH = "INSERT INTO issues_fts (issues_fts) VALUES ('optimize')";
    ANALYZE = "ANALYZE";
    END_MEMBERSHIP = "UPDATE sprint_issues SET removed_at = ? WHERE issue_id = ? AND sprint_id = ?";
}

fragments! {
    /// Ids of issues by key: an `IN` list follows.
    ISSUE_IDS_BY_KEY_HEAD = "SELECT key, id FROM issues WHERE key IN (";
    /// Open memberships of issues: an `IN` list of issue ids follows.
    OPEN_MEMBERSHIPS_HEAD = "SELECT issue_id, sprint_id FROM sprint_issues WHERE removed_at IS NULL AND issue_id IN (";
}

/// Rows per INSERT statement; 500 rows of ~20 columns stays far below `SQLite`'s variable limit.
const CHUNK: usize = 500;

/// Deletes everything that came from `source_name` (issues and their history cascade).
pub async fn clear_source(conn: &mut SqliteConnection, source_name: &str) -> Result<()> {
    sqlx::query(DELETE_SOURCE_SPRINTS)
        .bind(source_name)
        .execute(&mut *conn)
        .await?;
    sqlx::query(DELETE_SOURCE_PROJECTS)
        .bind(source_name)
        .execute(&mut *conn)
        .await?;
    sqlx::query(DELETE_SOURCE_PEOPLE)
        .bind(source_name)
        .execute(&mut *conn)
        .await?;
    sqlx::query(DELETE_UNUSED_LABELS)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_meta(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(SET_META)
        .bind(key)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// After a bulk write: merge the full-text index's segments (smaller file, faster searches)
/// and refresh the planner's statistics so filters pick the right index.
pub async fn after_bulk_write(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query(OPTIMIZE_SEARCH).execute(&mut *conn).await?;
    sqlx::query(ANALYZE).execute(&mut *conn).await?;
    Ok(())
}

type Ids = HashMap<String, i64>;

/// Writes a batch: new rows are inserted, known ones (same source and remote id) updated. An
/// issue that had been marked gone and comes back is live again.
pub async fn write_batch(conn: &mut SqliteConnection, batch: &Batch) -> Result<()> {
    let source = batch.source_name.as_str();
    let projects = insert_projects(conn, source, &batch.projects).await?;
    let people = insert_people(conn, source, &batch.people).await?;
    let sprints = insert_sprints(conn, source, &batch.sprints, &projects).await?;
    let mut issues = insert_issues(conn, &batch.issues, &projects, &people).await?;
    add_referenced_issues(conn, batch, &mut issues).await?;
    let issue_id = |key: &str| {
        issues
            .get(key)
            .copied()
            .ok_or_else(|| StoreError::Invalid(format!("reference to unknown issue {key}")))
    };
    link_parents(conn, &batch.issues, &issue_id).await?;
    insert_labels_and_assignees(conn, &batch.issues, &people, &issue_id).await?;
    insert_memberships(conn, &batch.memberships, &sprints, &issue_id).await?;
    if let Some(at) = batch.observed_at {
        close_other_memberships(conn, batch, &sprints, &issue_id, at).await?;
    }
    insert_events(conn, &batch.events, &issue_id).await?;
    insert_links(conn, &batch.links, &issue_id).await
}

/// Ids of issues the batch refers to (parents, links, memberships, events) without carrying
/// them: stored by an earlier batch.
async fn add_referenced_issues(
    conn: &mut SqliteConnection,
    batch: &Batch,
    issues: &mut Ids,
) -> Result<()> {
    let wanted: BTreeSet<&str> = batch
        .issues
        .iter()
        .filter_map(|i| i.parent_key.as_deref())
        .chain(
            batch
                .links
                .iter()
                .flat_map(|l| [l.from_key.as_str(), l.to_key.as_str()]),
        )
        .chain(batch.memberships.iter().map(|m| m.issue_key.as_str()))
        .chain(batch.events.iter().map(|e| e.issue_key.as_str()))
        .filter(|k| !issues.contains_key(*k))
        .collect();
    let wanted: Vec<&str> = wanted.into_iter().collect();
    for chunk in wanted.chunks(CHUNK) {
        let rows: Vec<(String, i64)> = in_list(ISSUE_IDS_BY_KEY_HEAD, chunk)
            .build_query_as()
            .fetch_all(&mut *conn)
            .await?;
        issues.extend(rows);
    }
    Ok(())
}

/// The batch says which sprints its issues are in now: their other open memberships (in this
/// source's sprints) end at `at`.
async fn close_other_memberships(
    conn: &mut SqliteConnection,
    batch: &Batch,
    sprints: &Ids,
    issue_id: &impl Fn(&str) -> Result<i64>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let at = to_db(at);
    let mut keep: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut ids = Vec::with_capacity(batch.issues.len());
    for issue in &batch.issues {
        ids.push(issue_id(&issue.key)?);
    }
    for m in &batch.memberships {
        if let (Ok(issue), Some(sprint)) =
            (issue_id(&m.issue_key), sprints.get(&m.sprint_remote_id))
        {
            keep.insert((issue, *sprint));
        }
    }
    // One look at the open memberships of the batch's issues; usually nothing is to close.
    let source_sprints: BTreeSet<i64> = sprints.values().copied().collect();
    let mut close = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let open: Vec<(i64, i64)> = in_list(OPEN_MEMBERSHIPS_HEAD, chunk)
            .build_query_as()
            .fetch_all(&mut *conn)
            .await?;
        close.extend(
            open.into_iter()
                .filter(|pair| source_sprints.contains(&pair.1) && !keep.contains(pair)),
        );
    }
    for (issue, sprint) in close {
        sqlx::query(END_MEMBERSHIP)
            .bind(&at)
            .bind(issue)
            .bind(sprint)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `head` (which ends with `IN (`), the values bound, and the closing parenthesis.
fn in_list<'a, T>(head: &str, values: &'a [T]) -> QueryBuilder<Sqlite>
where
    T: sqlx::Encode<'a, Sqlite> + sqlx::Type<Sqlite> + Copy + 'a,
{
    let mut q = QueryBuilder::new(head);
    let mut list = q.separated(", ");
    for v in values {
        list.push_bind(*v);
    }
    q.push(")");
    q
}

/// Instances of this module's dynamic statements, for the schema check.
pub(crate) fn examples() -> Vec<Statement> {
    let example =
        |name, q: QueryBuilder<Sqlite>| Statement::example(module_path!(), name, q.into_string());
    let mut out = vec![
        example(
            "issue_ids_by_key",
            in_list(ISSUE_IDS_BY_KEY_HEAD, &["A-1", "A-2"]),
        ),
        example(
            "open_memberships",
            in_list(OPEN_MEMBERSHIPS_HEAD, &[1_i64, 2]),
        ),
    ];
    out.extend(upserts::examples());
    out
}
