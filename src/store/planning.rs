//! What the sprint planner and the risk analyst read: the open issues some rule or plan can be
//! about (not the whole backlog: reading every open issue of a large one costs more than the
//! rules), who blocks whom, late work and finished epics.

use std::collections::HashMap;

use sqlx::{FromRow, SqlitePool};

use super::Result;
use crate::store::sql::statements;

statements! {
    /// Open issues blocked by an open issue, or in an open sprint, with their first assignee
    /// and open sprint.
    AT_RISK = "WITH pick(id) AS ( \
        SELECT l.to_issue_id FROM issue_links l JOIN issues b ON b.id = l.from_issue_id \
        WHERE l.kind = 'blocks' AND b.status_category != 'done' AND b.gone_at IS NULL \
        UNION SELECT si.issue_id FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
        WHERE si.removed_at IS NULL AND s.state != 'closed') \
        SELECT i.id, i.key, i.title, i.issue_type, i.status, i.status_category, i.priority_rank, \
        i.story_points, i.updated_at, i.due_date, \
        (SELECT min(pe.username) FROM issue_assignees ia JOIN people pe ON pe.id = ia.person_id \
        WHERE ia.issue_id = i.id) AS assignee, \
        (SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
        WHERE si.issue_id = i.id AND si.removed_at IS NULL AND s.state != 'closed' \
        ORDER BY s.start_at DESC LIMIT 1) AS sprint \
        FROM pick JOIN issues i ON i.id = pick.id WHERE i.gone_at IS NULL AND i.status_category != 'done'";
    /// Overdue (due before `?1`) and stale (in progress, untouched since `?2`) issues: two
    /// index look-ups.
    LATE_WORK = "SELECT key, status_category, due_date, updated_at FROM issues \
        WHERE due_date < ?1 AND status_category != 'done' AND gone_at IS NULL \
        UNION SELECT key, status_category, due_date, updated_at FROM issues \
        WHERE status_category = 'in_progress' AND updated_at < ?2 AND gone_at IS NULL";
    /// Each open issue blocking another: the blocked one's id and the blocker's key.
    OPEN_BLOCKERS = "SELECT l.to_issue_id, b.key FROM issue_links l JOIN issues b ON b.id = l.from_issue_id \
        WHERE l.kind = 'blocks' AND b.status_category != 'done' AND b.gone_at IS NULL ORDER BY b.key";
    /// The status the most recent completion went to: an index walk from the end, where
    /// counting every done issue's status would read them all.
    DONE_STATUS = "SELECT to_status FROM status_events WHERE to_category = 'done' ORDER BY id DESC LIMIT 1";
    /// Open epics whose live children are all done: key, title, status, children.
    FINISHED_EPICS = "SELECT e.key, e.title, e.status, \
        (SELECT count(*) FROM issues c WHERE c.parent_id = e.id AND c.gone_at IS NULL) \
        FROM (SELECT DISTINCT parent_id AS id FROM issues WHERE parent_id IS NOT NULL) parents \
        JOIN issues e ON e.id = parents.id \
        WHERE e.issue_type = 'epic' AND e.status_category != 'done' AND e.gone_at IS NULL \
        AND EXISTS (SELECT 1 FROM issues c WHERE c.parent_id = e.id AND c.gone_at IS NULL) \
        AND NOT EXISTS (SELECT 1 FROM issues c WHERE c.parent_id = e.id AND c.gone_at IS NULL \
        AND c.status_category != 'done') \
        ORDER BY e.key";
    /// What is in an open sprint, and the head (`?` issues) of the open backlog in priority
    /// order, epics left out: a sprint holds tens of issues, so the first couple of thousand
    /// are more than any plan reaches.
    CANDIDATES = "WITH open_sprint(id) AS (SELECT si.issue_id FROM sprint_issues si \
        JOIN sprints s ON s.id = si.sprint_id WHERE si.removed_at IS NULL AND s.state != 'closed'), \
        pick(id) AS (SELECT id FROM open_sprint UNION SELECT id FROM ( \
        SELECT i.id FROM issues i WHERE i.gone_at IS NULL AND i.status_category != 'done' \
        AND i.issue_type != 'epic' AND i.id NOT IN (SELECT id FROM open_sprint) \
        ORDER BY i.priority_rank IS NULL, i.priority_rank, i.created_at, i.id LIMIT ?)) \
        SELECT i.id, i.key, i.title, i.priority_rank, i.story_points, i.created_at, \
        (SELECT min(pe.username) FROM issue_assignees ia JOIN people pe ON pe.id = ia.person_id \
        WHERE ia.issue_id = i.id) AS assignee, \
        (SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
        WHERE si.issue_id = i.id AND si.removed_at IS NULL AND s.state != 'closed' \
        ORDER BY s.start_at DESC LIMIT 1) AS sprint \
        FROM pick JOIN issues i ON i.id = pick.id \
        WHERE i.gone_at IS NULL AND i.status_category != 'done' AND i.issue_type != 'epic'";
}

/// An open issue some analyst rule may be about.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct AtRisk {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub issue_type: String,
    pub status: String,
    pub status_category: String,
    pub priority_rank: Option<i64>,
    pub story_points: Option<f64>,
    pub updated_at: String,
    pub due_date: Option<String>,
    /// The first assignee (by username).
    pub assignee: Option<String>,
    /// The open sprint it is in.
    pub sprint: Option<String>,
}

/// An overdue or stale issue: key, status category, due date, `updated_at`.
pub type Late = (String, String, Option<String>, String);

/// An open epic whose children are all done: key, title, status, children.
pub type FinishedEpic = (String, String, String, i64);

/// An open issue a plan may place.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Candidate {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub priority_rank: Option<i64>,
    pub story_points: Option<f64>,
    pub created_at: String,
    pub assignee: Option<String>,
    pub sprint: Option<String>,
}

pub async fn at_risk(pool: &SqlitePool) -> Result<Vec<AtRisk>> {
    Ok(sqlx::query_as(AT_RISK).fetch_all(pool).await?)
}

/// Issues due before `today` and in progress but untouched since `stale` (both as stored).
pub async fn late_work(pool: &SqlitePool, today: &str, stale: &str) -> Result<Vec<Late>> {
    Ok(sqlx::query_as(LATE_WORK)
        .bind(today)
        .bind(stale)
        .fetch_all(pool)
        .await?)
}

/// Issue id → the keys of the open issues blocking it.
pub async fn open_blockers(pool: &SqlitePool) -> Result<HashMap<i64, Vec<String>>> {
    let links: Vec<(i64, String)> = sqlx::query_as(OPEN_BLOCKERS).fetch_all(pool).await?;
    let mut blockers: HashMap<i64, Vec<String>> = HashMap::new();
    for (to, key) in links {
        blockers.entry(to).or_default().push(key);
    }
    Ok(blockers)
}

/// The status work usually ends in: the one the latest completion went to.
pub async fn done_status(pool: &SqlitePool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(DONE_STATUS).fetch_optional(pool).await?)
}

pub async fn finished_epics(pool: &SqlitePool) -> Result<Vec<FinishedEpic>> {
    Ok(sqlx::query_as(FINISHED_EPICS).fetch_all(pool).await?)
}

/// The issues in open sprints and the first `head` of the open backlog by priority.
pub async fn candidates(pool: &SqlitePool, head: i64) -> Result<Vec<Candidate>> {
    Ok(sqlx::query_as(CANDIDATES)
        .bind(head)
        .fetch_all(pool)
        .await?)
}
