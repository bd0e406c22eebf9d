//! Bulk writes of a [`Batch`]: multi-row upserts inside the writer's transaction. The demo
//! generator writes a whole workspace through it, sync one page at a time: rows already stored
//! (same source and remote id) are updated, history is never duplicated, local overrides are
//! never touched.

use std::collections::{BTreeSet, HashMap};

use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite};

use super::{Result, StoreError};
use crate::domain::StatusCategory;
use crate::domain::issue::priority_rank;
use crate::domain::records::{
    Batch, IssueRecord, LinkRecord, MembershipRecord, PersonRecord, ProjectRecord, SprintRecord,
    StatusEventRecord,
};
use crate::domain::time::{date_to_db, to_db};

/// Rows per INSERT statement; 500 rows of ~20 columns stays far below `SQLite`'s variable limit.
const CHUNK: usize = 500;

/// Deletes everything that came from `source_name` (issues and their history cascade).
pub async fn clear_source(conn: &mut SqliteConnection, source_name: &str) -> Result<()> {
    sqlx::query("DELETE FROM sprints WHERE source_name = ?")
        .bind(source_name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM projects WHERE source_name = ?")
        .bind(source_name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM people WHERE source_name = ?")
        .bind(source_name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM labels WHERE id NOT IN (SELECT label_id FROM issue_labels)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_meta(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO workspace_meta (key, value) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// After a bulk write: merge the full-text index's segments (smaller file, faster searches)
/// and refresh the planner's statistics so filters pick the right index.
pub async fn after_bulk_write(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query("INSERT INTO issues_fts (issues_fts) VALUES ('optimize')")
        .execute(&mut *conn)
        .await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
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
        let mut q = QueryBuilder::<Sqlite>::new("SELECT key, id FROM issues WHERE key IN (");
        let mut list = q.separated(", ");
        for key in chunk {
            list.push_bind(*key);
        }
        q.push(")");
        let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&mut *conn).await?;
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
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT issue_id, sprint_id FROM sprint_issues WHERE removed_at IS NULL AND issue_id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        let open: Vec<(i64, i64)> = q.build_query_as().fetch_all(&mut *conn).await?;
        close.extend(
            open.into_iter()
                .filter(|pair| source_sprints.contains(&pair.1) && !keep.contains(pair)),
        );
    }
    for (issue, sprint) in close {
        sqlx::query("UPDATE sprint_issues SET removed_at = ? WHERE issue_id = ? AND sprint_id = ?")
            .bind(&at)
            .bind(issue)
            .bind(sprint)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_projects(
    conn: &mut SqliteConnection,
    source: &str,
    projects: &[ProjectRecord],
) -> Result<Ids> {
    for chunk in projects.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO projects (source, source_name, remote_id, key, name, web_url) ",
        );
        q.push_values(chunk, |mut row, p| {
            row.push_bind(p.source.as_str())
                .push_bind(source)
                .push_bind(&p.remote_id)
                .push_bind(&p.key)
                .push_bind(&p.name)
                .push_bind(&p.web_url);
        });
        q.push(
            " ON CONFLICT (source_name, remote_id) DO UPDATE SET key = excluded.key, \
             name = excluded.name, web_url = excluded.web_url",
        );
        q.build().execute(&mut *conn).await?;
    }
    id_map(
        conn,
        "SELECT remote_id, id FROM projects WHERE source_name = ?",
        source,
    )
    .await
}

async fn insert_people(
    conn: &mut SqliteConnection,
    source: &str,
    people: &[PersonRecord],
) -> Result<Ids> {
    for chunk in people.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO people (source_name, remote_id, username, display_name, capacity) ",
        );
        q.push_values(chunk, |mut row, p| {
            row.push_bind(source)
                .push_bind(&p.remote_id)
                .push_bind(&p.username)
                .push_bind(&p.display_name)
                .push_bind(p.capacity);
        });
        q.push(
            " ON CONFLICT (source_name, remote_id) DO UPDATE SET username = excluded.username, \
             display_name = excluded.display_name, \
             capacity = coalesce(excluded.capacity, people.capacity)",
        );
        q.build().execute(&mut *conn).await?;
    }
    id_map(
        conn,
        "SELECT remote_id, id FROM people WHERE source_name = ?",
        source,
    )
    .await
}

async fn insert_sprints(
    conn: &mut SqliteConnection,
    source: &str,
    sprints: &[SprintRecord],
    projects: &Ids,
) -> Result<Ids> {
    for chunk in sprints.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO sprints (source, source_name, remote_id, project_id, name, state, \
             start_at, end_at, completed_at, goal, capacity) ",
        );
        q.push_values(chunk, |mut row, s| {
            row.push_bind(s.origin.as_str())
                .push_bind(source)
                .push_bind(&s.remote_id)
                .push_bind(
                    s.project_remote_id
                        .as_ref()
                        .and_then(|r| projects.get(r))
                        .copied(),
                )
                .push_bind(&s.name)
                .push_bind(s.state.as_str())
                .push_bind(s.start_at.map(to_db))
                .push_bind(s.end_at.map(to_db))
                .push_bind(s.completed_at.map(to_db))
                .push_bind(&s.goal)
                .push_bind(s.capacity);
        });
        q.push(
            " ON CONFLICT (source_name, remote_id) DO UPDATE SET \
             project_id = coalesce(excluded.project_id, sprints.project_id), name = excluded.name, \
             state = excluded.state, start_at = excluded.start_at, end_at = excluded.end_at, \
             completed_at = excluded.completed_at, goal = excluded.goal, \
             capacity = coalesce(excluded.capacity, sprints.capacity)",
        );
        q.build().execute(&mut *conn).await?;
    }
    id_map(
        conn,
        "SELECT remote_id, id FROM sprints WHERE source_name = ?",
        source,
    )
    .await
}

async fn insert_issues(
    conn: &mut SqliteConnection,
    issues: &[IssueRecord],
    projects: &Ids,
    people: &Ids,
) -> Result<Ids> {
    if let Some(i) = issues
        .iter()
        .find(|i| !projects.contains_key(&i.project_remote_id))
    {
        return Err(StoreError::Invalid(format!(
            "issue {} names unknown project {}",
            i.key, i.project_remote_id
        )));
    }
    let mut ids = Ids::with_capacity(issues.len());
    for chunk in issues.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO issues (project_id, source, remote_id, key, issue_type, title, \
             description, status, status_category, reporter_id, priority, priority_rank, \
             story_points, due_date, created_at, updated_at, closed_at, web_url, raw_json) ",
        );
        q.push_values(chunk, |mut row, i| {
            row.push_bind(projects.get(&i.project_remote_id).copied())
                .push_bind(i.source.as_str())
                .push_bind(&i.remote_id)
                .push_bind(&i.key)
                .push_bind(i.issue_type.as_str())
                .push_bind(&i.title)
                .push_bind(&i.description)
                .push_bind(&i.status)
                .push_bind(i.status_category.as_str())
                .push_bind(i.reporter.as_ref().and_then(|r| people.get(r)).copied())
                .push_bind(&i.priority)
                .push_bind(i.priority.as_deref().and_then(priority_rank))
                .push_bind(i.story_points)
                .push_bind(i.due_date.map(date_to_db))
                .push_bind(to_db(i.created_at))
                .push_bind(to_db(i.updated_at))
                .push_bind(i.closed_at.map(to_db))
                .push_bind(&i.web_url)
                .push_bind(&i.raw_json);
        });
        q.push(
            " ON CONFLICT (project_id, remote_id) DO UPDATE SET key = excluded.key, \
             issue_type = excluded.issue_type, title = excluded.title, \
             description = excluded.description, status = excluded.status, \
             status_category = excluded.status_category, reporter_id = excluded.reporter_id, \
             priority = excluded.priority, priority_rank = excluded.priority_rank, \
             story_points = excluded.story_points, due_date = excluded.due_date, \
             created_at = excluded.created_at, updated_at = excluded.updated_at, \
             closed_at = excluded.closed_at, web_url = excluded.web_url, \
             raw_json = excluded.raw_json, gone_at = NULL \
             RETURNING key, id",
        );
        let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&mut *conn).await?;
        ids.extend(rows);
    }
    Ok(ids)
}

/// Parents are set after all issues exist, so a child may come before its parent in the batch.
async fn link_parents(
    conn: &mut SqliteConnection,
    issues: &[IssueRecord],
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let mut pairs = Vec::new();
    for i in issues {
        // A parent outside what is synced (another project) stays unlinked until it arrives.
        if let Some(Ok(parent)) = i.parent_key.as_deref().map(issue_id) {
            pairs.push((issue_id(&i.key)?, parent));
        }
    }
    // One UPDATE per chunk through a VALUES table instead of one statement per child.
    for chunk in pairs.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("WITH p(child, parent) AS (SELECT * FROM (");
        q.push_values(chunk, |mut row, (child, parent)| {
            row.push_bind(child).push_bind(parent);
        });
        q.push(
            ")) UPDATE issues SET parent_id = (SELECT parent FROM p WHERE p.child = issues.id) \
             WHERE id IN (SELECT child FROM p)",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_labels_and_assignees(
    conn: &mut SqliteConnection,
    issues: &[IssueRecord],
    people: &Ids,
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let names: BTreeSet<&str> = issues
        .iter()
        .flat_map(|i| i.labels.iter().map(String::as_str))
        .collect();
    for chunk in names.iter().collect::<Vec<_>>().chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT OR IGNORE INTO labels (name) ");
        q.push_values(chunk, |mut row, name| {
            row.push_bind(**name);
        });
        q.build().execute(&mut *conn).await?;
    }
    let labels: Ids = sqlx::query_as::<_, (String, i64)>("SELECT name, id FROM labels")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let mut issue_labels = Vec::new();
    let mut assignees = Vec::new();
    let mut ids = Vec::with_capacity(issues.len());
    for i in issues {
        let id = issue_id(&i.key)?;
        ids.push(id);
        for label in &i.labels {
            let label_id = labels
                .get(label.as_str())
                .copied()
                .ok_or_else(|| StoreError::Invalid(format!("label {label} was not stored")))?;
            issue_labels.push((id, label_id));
        }
        for person in &i.assignees {
            let person_id = people.get(person).copied().ok_or_else(|| {
                StoreError::Invalid(format!(
                    "issue {} assigned to unknown person {person}",
                    i.key
                ))
            })?;
            assignees.push((id, person_id));
        }
    }
    // The batch carries each issue's labels and assignees whole: earlier ones are replaced.
    for chunk in ids.chunks(CHUNK) {
        for table in ["issue_labels", "issue_assignees"] {
            let mut q =
                QueryBuilder::<Sqlite>::new(format!("DELETE FROM {table} WHERE issue_id IN ("));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build().execute(&mut *conn).await?;
        }
    }
    insert_pairs(
        conn,
        "INSERT OR IGNORE INTO issue_labels (issue_id, label_id) ",
        &issue_labels,
    )
    .await?;
    insert_pairs(
        conn,
        "INSERT OR IGNORE INTO issue_assignees (issue_id, person_id) ",
        &assignees,
    )
    .await
}

async fn insert_memberships(
    conn: &mut SqliteConnection,
    memberships: &[MembershipRecord],
    sprints: &Ids,
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let mut rows = Vec::with_capacity(memberships.len());
    for m in memberships {
        let sprint = sprints.get(&m.sprint_remote_id).copied().ok_or_else(|| {
            StoreError::Invalid(format!(
                "membership names unknown sprint {}",
                m.sprint_remote_id
            ))
        })?;
        rows.push((
            sprint,
            issue_id(&m.issue_key)?,
            to_db(m.added_at),
            m.removed_at.map(to_db),
        ));
    }
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO sprint_issues (sprint_id, issue_id, added_at, removed_at) ",
        );
        q.push_values(chunk, |mut row, (s, i, added, removed)| {
            row.push_bind(s)
                .push_bind(i)
                .push_bind(added)
                .push_bind(removed);
        });
        // Back in a sprint it had left: the membership is open again from its first addition.
        q.push(" ON CONFLICT (sprint_id, issue_id) DO UPDATE SET removed_at = excluded.removed_at");
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[StatusEventRecord],
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        rows.push((issue_id(&e.issue_key)?, e));
    }
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR IGNORE INTO status_events (issue_id, from_status, to_status, from_category, \
             to_category, at, source, remote_id) ",
        );
        q.push_values(chunk, |mut row, (id, e)| {
            row.push_bind(*id)
                .push_bind(&e.from_status)
                .push_bind(&e.to_status)
                .push_bind(e.from_category.map(StatusCategory::as_str))
                .push_bind(e.to_category.as_str())
                .push_bind(to_db(e.at))
                .push_bind(e.source.as_str())
                .push_bind(&e.remote_id);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// A link to an issue that is not stored (another project, not synced) is left out.
async fn insert_links(
    conn: &mut SqliteConnection,
    links: &[LinkRecord],
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let mut rows = Vec::with_capacity(links.len());
    for l in links {
        if let (Ok(from), Ok(to)) = (issue_id(&l.from_key), issue_id(&l.to_key)) {
            rows.push((from, to, l.kind.as_str()));
        }
    }
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR IGNORE INTO issue_links (from_issue_id, to_issue_id, kind) ",
        );
        q.push_values(chunk, |mut row, (from, to, kind)| {
            row.push_bind(from).push_bind(to).push_bind(*kind);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn id_map(
    conn: &mut SqliteConnection,
    sql: &'static str,
    source: &str,
) -> Result<HashMap<String, i64>> {
    Ok(sqlx::query_as::<_, (String, i64)>(sql)
        .bind(source)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect())
}

async fn insert_pairs(
    conn: &mut SqliteConnection,
    head: &'static str,
    pairs: &[(i64, i64)],
) -> Result<()> {
    for chunk in pairs.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(head);
        q.push_values(chunk, |mut row, (a, b)| {
            row.push_bind(a).push_bind(b);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}
