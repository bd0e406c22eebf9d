//! The multi-row upserts of a batch, one table at a time, `CHUNK` rows per statement. Each
//! statement is built by one function, which the writes and the schema check's examples share.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite};

use super::{CHUNK, Ids};
use crate::domain::StatusCategory;
use crate::domain::issue::{EventSource, IssueType, LinkKind, Source, SprintState, priority_rank};
use crate::domain::records::{
    IssueRecord, LinkRecord, MembershipRecord, PersonRecord, ProjectKind, ProjectRecord,
    SprintOrigin, SprintRecord, StatusEventRecord,
};
use crate::domain::time::{date_to_db, to_db};
use crate::store::sql::{Statement, fragments, statements};
use crate::store::{Result, StoreError};

statements! {
    PROJECT_IDS = "SELECT remote_id, id FROM projects WHERE source_name = ?";
    PEOPLE_IDS = "SELECT remote_id, id FROM people WHERE source_name = ?";
    SPRINT_IDS = "SELECT remote_id, id FROM sprints WHERE source_name = ?";
    LABEL_IDS = "SELECT name, id FROM labels";
}

fragments! {
    PROJECTS_HEAD = "INSERT INTO projects (source, source_name, remote_id, key, name, web_url, kind) ";
    PROJECTS_TAIL = " ON CONFLICT (source_name, remote_id) DO UPDATE SET key = excluded.key, \
        name = excluded.name, web_url = excluded.web_url, kind = excluded.kind";
    PEOPLE_HEAD = "INSERT INTO people (source_name, remote_id, username, display_name, capacity) ";
    PEOPLE_TAIL = " ON CONFLICT (source_name, remote_id) DO UPDATE SET username = excluded.username, \
        display_name = excluded.display_name, \
        capacity = coalesce(excluded.capacity, people.capacity)";
    SPRINTS_HEAD = "INSERT INTO sprints (source, source_name, remote_id, project_id, name, state, \
        start_at, end_at, completed_at, goal, capacity) ";
    SPRINTS_TAIL = " ON CONFLICT (source_name, remote_id) DO UPDATE SET \
        project_id = coalesce(excluded.project_id, sprints.project_id), name = excluded.name, \
        state = excluded.state, start_at = excluded.start_at, end_at = excluded.end_at, \
        completed_at = excluded.completed_at, goal = excluded.goal, \
        capacity = coalesce(excluded.capacity, sprints.capacity)";
    ISSUES_HEAD = "INSERT INTO issues (project_id, source, remote_id, key, issue_type, title, \
        description, status, status_category, reporter_id, priority, priority_rank, \
        story_points, due_date, created_at, updated_at, closed_at, web_url, raw_json, parent_key) ";
    /// An issue marked gone that comes back is live again. A parent named anew is linked
    /// afterwards (now, or when it is stored); no parent named leaves the parent as it was
    /// (a webhook delivery does not say).
    ISSUES_TAIL = " ON CONFLICT (project_id, remote_id) DO UPDATE SET key = excluded.key, \
        parent_id = CASE WHEN excluded.parent_key IS NULL \
        OR excluded.parent_key = issues.parent_key THEN issues.parent_id END, \
        parent_key = coalesce(excluded.parent_key, issues.parent_key), \
        issue_type = excluded.issue_type, title = excluded.title, \
        description = excluded.description, status = excluded.status, \
        status_category = excluded.status_category, reporter_id = excluded.reporter_id, \
        priority = excluded.priority, priority_rank = excluded.priority_rank, \
        story_points = excluded.story_points, due_date = excluded.due_date, \
        created_at = excluded.created_at, updated_at = excluded.updated_at, \
        closed_at = excluded.closed_at, web_url = excluded.web_url, \
        raw_json = excluded.raw_json, gone_at = NULL \
        RETURNING key, id";
    PARENTS_HEAD = "WITH p(child, parent) AS (SELECT * FROM (";
    /// Children stored before their parent, linked now that it is: an `IN` list of the keys
    /// just stored follows.
    ORPHANS_HEAD = "UPDATE issues SET parent_id = (SELECT p.id FROM issues p WHERE p.key = issues.parent_key) \
        WHERE parent_id IS NULL AND parent_key IN (";
    PARENTS_TAIL = ")) UPDATE issues SET parent_id = (SELECT parent FROM p WHERE p.child = issues.id) \
        WHERE id IN (SELECT child FROM p)";
    LABELS_HEAD = "INSERT OR IGNORE INTO labels (name) ";
    /// The batch carries each issue's labels whole: an `IN` list of issue ids follows.
    CLEAR_LABELS_HEAD = "DELETE FROM issue_labels WHERE issue_id IN (";
    /// The same for assignees.
    CLEAR_ASSIGNEES_HEAD = "DELETE FROM issue_assignees WHERE issue_id IN (";
    ISSUE_LABELS_HEAD = "INSERT OR IGNORE INTO issue_labels (issue_id, label_id) ";
    ISSUE_ASSIGNEES_HEAD = "INSERT OR IGNORE INTO issue_assignees (issue_id, person_id) ";
    MEMBERSHIPS_HEAD = "INSERT INTO sprint_issues (sprint_id, issue_id, added_at, removed_at) ";
    /// Back in a sprint it had left: the membership is open again from its first addition.
    MEMBERSHIPS_TAIL = " ON CONFLICT (sprint_id, issue_id) DO UPDATE SET removed_at = excluded.removed_at";
    EVENTS_HEAD = "INSERT OR IGNORE INTO status_events (issue_id, from_status, to_status, from_category, \
        to_category, at, source, remote_id) ";
    LINKS_HEAD = "INSERT OR IGNORE INTO issue_links (from_issue_id, to_issue_id, kind) ";
}

/// A membership row: sprint id, issue id, added at, removed at.
type MembershipRow = (i64, i64, String, Option<String>);

pub(super) async fn insert_projects(
    conn: &mut SqliteConnection,
    source: &str,
    projects: &[ProjectRecord],
) -> Result<Ids> {
    for chunk in projects.chunks(CHUNK) {
        projects_upsert(source, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    id_map(conn, PROJECT_IDS, source).await
}

fn projects_upsert(source: &str, chunk: &[ProjectRecord]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(PROJECTS_HEAD);
    q.push_values(chunk, |mut row, p| {
        row.push_bind(p.source.as_str())
            .push_bind(source)
            .push_bind(&p.remote_id)
            .push_bind(&p.key)
            .push_bind(&p.name)
            .push_bind(&p.web_url)
            .push_bind(p.kind.as_str());
    });
    q.push(PROJECTS_TAIL);
    q
}

pub(super) async fn insert_people(
    conn: &mut SqliteConnection,
    source: &str,
    people: &[PersonRecord],
) -> Result<Ids> {
    for chunk in people.chunks(CHUNK) {
        people_upsert(source, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    id_map(conn, PEOPLE_IDS, source).await
}

fn people_upsert(source: &str, chunk: &[PersonRecord]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(PEOPLE_HEAD);
    q.push_values(chunk, |mut row, p| {
        row.push_bind(source)
            .push_bind(&p.remote_id)
            .push_bind(&p.username)
            .push_bind(&p.display_name)
            .push_bind(p.capacity);
    });
    q.push(PEOPLE_TAIL);
    q
}

pub(super) async fn insert_sprints(
    conn: &mut SqliteConnection,
    source: &str,
    sprints: &[SprintRecord],
    projects: &Ids,
) -> Result<Ids> {
    for chunk in sprints.chunks(CHUNK) {
        sprints_upsert(source, chunk, projects)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    id_map(conn, SPRINT_IDS, source).await
}

fn sprints_upsert(source: &str, chunk: &[SprintRecord], projects: &Ids) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(SPRINTS_HEAD);
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
    q.push(SPRINTS_TAIL);
    q
}

pub(super) async fn insert_issues(
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
        let rows: Vec<(String, i64)> = issues_upsert(chunk, projects, people)
            .build_query_as()
            .fetch_all(&mut *conn)
            .await?;
        ids.extend(rows);
    }
    Ok(ids)
}

fn issues_upsert(chunk: &[IssueRecord], projects: &Ids, people: &Ids) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(ISSUES_HEAD);
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
            .push_bind(&i.raw_json)
            .push_bind(&i.parent_key);
    });
    q.push(ISSUES_TAIL);
    q
}

/// Parents are set after all issues exist, so a child may come before its parent in the batch;
/// children stored earlier (a page before their parent's) are linked to the parents stored now.
pub(super) async fn link_parents(
    conn: &mut SqliteConnection,
    issues: &[IssueRecord],
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
    for chunk in keys.chunks(CHUNK) {
        super::in_list(ORPHANS_HEAD, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    let mut pairs = Vec::new();
    for i in issues {
        // A parent outside what is synced (another project) stays unlinked until it arrives.
        if let Some(Ok(parent)) = i.parent_key.as_deref().map(issue_id) {
            pairs.push((issue_id(&i.key)?, parent));
        }
    }
    // One UPDATE per chunk through a VALUES table instead of one statement per child.
    for chunk in pairs.chunks(CHUNK) {
        parents_update(chunk).build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn parents_update(pairs: &[(i64, i64)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(PARENTS_HEAD);
    q.push_values(pairs, |mut row, (child, parent)| {
        row.push_bind(child).push_bind(parent);
    });
    q.push(PARENTS_TAIL);
    q
}

pub(super) async fn insert_labels_and_assignees(
    conn: &mut SqliteConnection,
    issues: &[IssueRecord],
    people: &Ids,
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let names: BTreeSet<&str> = issues
        .iter()
        .flat_map(|i| i.labels.iter().map(String::as_str))
        .collect();
    for chunk in names.into_iter().collect::<Vec<_>>().chunks(CHUNK) {
        labels_insert(chunk).build().execute(&mut *conn).await?;
    }
    let labels: Ids = sqlx::query_as::<_, (String, i64)>(LABEL_IDS)
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
        for head in [CLEAR_LABELS_HEAD, CLEAR_ASSIGNEES_HEAD] {
            super::in_list(head, chunk)
                .build()
                .execute(&mut *conn)
                .await?;
        }
    }
    insert_pairs(conn, ISSUE_LABELS_HEAD, &issue_labels).await?;
    insert_pairs(conn, ISSUE_ASSIGNEES_HEAD, &assignees).await
}

fn labels_insert(names: &[&str]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(LABELS_HEAD);
    q.push_values(names, |mut row, name| {
        row.push_bind(*name);
    });
    q
}

pub(super) async fn insert_memberships(
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
        memberships_upsert(chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn memberships_upsert(rows: &[MembershipRow]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(MEMBERSHIPS_HEAD);
    q.push_values(rows, |mut row, (s, i, added, removed)| {
        row.push_bind(s)
            .push_bind(i)
            .push_bind(added)
            .push_bind(removed);
    });
    q.push(MEMBERSHIPS_TAIL);
    q
}

pub(super) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[StatusEventRecord],
    issue_id: &impl Fn(&str) -> Result<i64>,
) -> Result<()> {
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        rows.push((issue_id(&e.issue_key)?, e));
    }
    for chunk in rows.chunks(CHUNK) {
        events_insert(chunk).build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn events_insert(rows: &[(i64, &StatusEventRecord)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(EVENTS_HEAD);
    q.push_values(rows, |mut row, (id, e)| {
        row.push_bind(*id)
            .push_bind(&e.from_status)
            .push_bind(&e.to_status)
            .push_bind(e.from_category.map(StatusCategory::as_str))
            .push_bind(e.to_category.as_str())
            .push_bind(to_db(e.at))
            .push_bind(e.source.as_str())
            .push_bind(&e.remote_id);
    });
    q
}

/// A link to an issue that is not stored (another project, not synced) is left out.
pub(super) async fn insert_links(
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
        links_insert(chunk).build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn links_insert(rows: &[(i64, i64, &'static str)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(LINKS_HEAD);
    q.push_values(rows, |mut row, (from, to, kind)| {
        row.push_bind(from).push_bind(to).push_bind(*kind);
    });
    q
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
        pairs_insert(head, chunk)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn pairs_insert(head: &'static str, pairs: &[(i64, i64)]) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::new(head);
    q.push_values(pairs, |mut row, (a, b)| {
        row.push_bind(a).push_bind(b);
    });
    q
}

/// Instances of every upsert (two rows each), for the schema check.
pub(super) fn examples() -> Vec<Statement> {
    let at = DateTime::<Utc>::UNIX_EPOCH;
    let project = ProjectRecord {
        source: Source::Gitlab,
        remote_id: "1".to_owned(),
        key: "OPS".to_owned(),
        name: "Ops".to_owned(),
        web_url: None,
        kind: ProjectKind::Group,
    };
    let person = PersonRecord {
        remote_id: "2".to_owned(),
        username: "ana".to_owned(),
        display_name: "Ana".to_owned(),
        capacity: None,
    };
    let sprint = SprintRecord {
        origin: SprintOrigin::Local,
        remote_id: "3".to_owned(),
        project_remote_id: None,
        name: "Sprint 1".to_owned(),
        state: SprintState::Active,
        start_at: None,
        end_at: None,
        completed_at: None,
        goal: None,
        capacity: None,
    };
    let issue = IssueRecord {
        source: Source::Gitlab,
        project_remote_id: "1".to_owned(),
        remote_id: "4".to_owned(),
        key: "OPS-1".to_owned(),
        issue_type: IssueType::Task,
        title: "A task".to_owned(),
        description: String::new(),
        status: "To Do".to_owned(),
        status_category: StatusCategory::Todo,
        reporter: None,
        assignees: Vec::new(),
        labels: Vec::new(),
        priority: None,
        story_points: None,
        parent_key: None,
        due_date: None,
        created_at: at,
        updated_at: at,
        closed_at: None,
        web_url: None,
        raw_json: None,
    };
    let event = StatusEventRecord {
        issue_key: "OPS-1".to_owned(),
        from_status: None,
        to_status: "Done".to_owned(),
        from_category: None,
        to_category: StatusCategory::Done,
        at,
        source: EventSource::Poll,
        remote_id: None,
    };
    let ids = Ids::new();
    let pairs = [(1, 2), (3, 4)];
    let memberships: [MembershipRow; 2] =
        [(1, 2, String::new(), None), (3, 4, String::new(), None)];
    let example =
        |name, q: QueryBuilder<Sqlite>| Statement::example(module_path!(), name, q.into_string());
    vec![
        example(
            "projects",
            projects_upsert("s", &[project.clone(), project]),
        ),
        example("people", people_upsert("s", &[person.clone(), person])),
        example(
            "sprints",
            sprints_upsert("s", &[sprint.clone(), sprint], &ids),
        ),
        example("issues", issues_upsert(&[issue.clone(), issue], &ids, &ids)),
        example("parents", parents_update(&pairs)),
        example("orphans", super::in_list(ORPHANS_HEAD, &["A-1", "A-2"])),
        example("labels", labels_insert(&["a", "b"])),
        example(
            "clear_labels",
            super::in_list(CLEAR_LABELS_HEAD, &[1_i64, 2]),
        ),
        example(
            "clear_assignees",
            super::in_list(CLEAR_ASSIGNEES_HEAD, &[1_i64, 2]),
        ),
        example("issue_labels", pairs_insert(ISSUE_LABELS_HEAD, &pairs)),
        example(
            "issue_assignees",
            pairs_insert(ISSUE_ASSIGNEES_HEAD, &pairs),
        ),
        example("memberships", memberships_upsert(&memberships)),
        example("events", events_insert(&[(1, &event), (2, &event)])),
        example(
            "links",
            links_insert(&[(1, 2, LinkKind::Blocks.as_str()), (2, 3, "relates")]),
        ),
    ]
}
