//! Every fixed read query, in one place, so one test can prepare each against a freshly migrated
//! schema (see `tests/it/store.rs`). Dynamic filters are built on [`BACKLOG_SELECT`].

/// The backlog read model; callers restrict it to a page of ids (see `read::backlog`).
pub const BACKLOG_SELECT: &str = "SELECT i.id, i.key, p.key AS project_key, i.issue_type, i.title, \
    i.status, i.status_category, i.priority, i.priority_rank, i.story_points, i.due_date, \
    i.created_at, i.updated_at, i.closed_at, i.web_url, par.key AS parent_key, \
    (SELECT group_concat(pe.username, ', ' ORDER BY pe.username) FROM issue_assignees ia \
        JOIN people pe ON pe.id = ia.person_id WHERE ia.issue_id = i.id) AS assignees, \
    (SELECT group_concat(l.name, ', ' ORDER BY l.name) FROM issue_labels il \
        JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id) AS labels, \
    (SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
        WHERE si.issue_id = i.id AND si.removed_at IS NULL \
        ORDER BY s.start_at DESC NULLS LAST, s.id DESC LIMIT 1) AS sprint, \
    EXISTS (SELECT 1 FROM issue_links lk JOIN issues b ON b.id = lk.from_issue_id \
        WHERE lk.to_issue_id = i.id AND lk.kind = 'blocks' AND b.status_category <> 'done') AS blocked \
    FROM issues i JOIN projects p ON p.id = i.project_id LEFT JOIN issues par ON par.id = i.parent_id";

/// Matching ids only; a compiled filter appends `WHERE … ORDER BY …`.
pub const BACKLOG_IDS: &str = "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id";

/// The same without the projects join, for filters and orders that never mention `p`: the join
/// costs a lookup per issue.
pub const BACKLOG_IDS_NO_PROJECT: &str = "SELECT i.id FROM issues i";

pub const BACKLOG_COUNT: &str =
    "SELECT count(*) FROM issues i JOIN projects p ON p.id = i.project_id";

pub const BACKLOG_COUNT_NO_PROJECT: &str = "SELECT count(*) FROM issues i";

/// Counting every live issue through the small partial index is several times faster than a
/// table scan; the planner does not pick it by itself. (`INDEXED BY` is for this database only.)
pub const BACKLOG_COUNT_ALL: &str =
    "SELECT count(*) FROM issues i INDEXED BY issues_updated WHERE i.gone_at IS NULL";

pub const SUMMARY: &str = "SELECT \
    (SELECT count(*) FROM projects) AS projects, \
    (SELECT count(*) FROM issues WHERE gone_at IS NULL) AS issues, \
    (SELECT count(*) FROM people) AS people, \
    (SELECT count(*) FROM sprints) AS sprints, \
    (SELECT count(*) FROM status_events) AS status_events, \
    (SELECT count(*) FROM issue_links) AS links, \
    (SELECT count(*) FROM proposals WHERE state = 'pending') AS pending_proposals";

pub const META_GET: &str = "SELECT value FROM workspace_meta WHERE key = ?";

pub const SCHEMA_VERSION: &str = "SELECT coalesce(max(version), 0) FROM _sqlx_migrations";

/// The tables of a database file before it is opened as ours (`SQLite`'s own left out).
pub const USER_TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
    AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

/// Issue keys for shell completion: a `LIKE` prefix, then the most issues to offer.
pub const COMPLETE_KEYS: &str = "SELECT key, title FROM issues WHERE gone_at IS NULL \
    AND key LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?";

pub const LAST_SYNC: &str = "SELECT source_name, max(finished_at) AS finished_at FROM sync_runs \
    WHERE state = 'ok' GROUP BY source_name ORDER BY source_name";

pub const DETAIL_EXTRA: &str = "SELECT i.description, \
    (SELECT display_name FROM people WHERE id = i.reporter_id) AS reporter, \
    par.id AS parent_id, par.key AS parent_key, par.title AS parent_title \
    FROM issues i LEFT JOIN issues par ON par.id = i.parent_id WHERE i.id = ?";

/// Links seen from one issue (bound four times).
pub const DETAIL_LINKS: &str = "SELECT o.id AS issue_id, o.key, o.title, o.status_category, \
    CASE WHEN l.kind = 'relates' THEN 'relates to' WHEN l.from_issue_id = ? THEN 'blocks' ELSE 'blocked by' END AS relation \
    FROM issue_links l JOIN issues o ON o.id = CASE WHEN l.from_issue_id = ? THEN l.to_issue_id ELSE l.from_issue_id END \
    WHERE l.from_issue_id = ? OR l.to_issue_id = ? ORDER BY relation, o.key";

pub const DETAIL_EVENTS: &str = "SELECT from_status, to_status, to_category, at FROM status_events \
    WHERE issue_id = ? ORDER BY at, id";

pub const DETAIL_OVERRIDES: &str = "SELECT internal_status, notes, target_date, internal_priority \
    FROM overrides WHERE issue_id = ?";

pub const METRIC_ISSUES: &str = "SELECT i.id, i.key, i.status_category, i.story_points, \
    i.created_at, i.due_date, \
    EXISTS (SELECT 1 FROM issue_links lk JOIN issues b ON b.id = lk.from_issue_id \
        WHERE lk.to_issue_id = i.id AND lk.kind = 'blocks' AND b.status_category <> 'done') AS blocked, \
    (SELECT group_concat(pe.username, ',' ORDER BY pe.username) FROM issue_assignees ia \
        JOIN people pe ON pe.id = ia.person_id WHERE ia.issue_id = i.id) AS assignees \
    FROM issues i JOIN projects p ON p.id = i.project_id \
    WHERE i.gone_at IS NULL AND (? IS NULL OR lower(p.key) = lower(?)) ORDER BY i.id";

/// Everyone, with the capacity their source gave them (if any).
pub const PEOPLE_CAPACITY: &str = "SELECT username, capacity FROM people ORDER BY username";

pub const DATA_AS_OF: &str = "SELECT max(t) FROM (\
    SELECT max(finished_at) AS t FROM sync_runs WHERE state = 'ok' \
    UNION ALL SELECT value FROM workspace_meta WHERE key = 'data_as_of')";

/// In time order per issue, so histories are built by appending.
pub const METRIC_EVENTS: &str = "SELECT e.issue_id, e.at, e.to_category FROM status_events e \
    JOIN issues i ON i.id = e.issue_id WHERE i.gone_at IS NULL ORDER BY e.issue_id, e.at, e.id";

pub const METRIC_SPRINTS: &str =
    "SELECT id, name, state, start_at, end_at FROM sprints ORDER BY start_at, id";

pub const METRIC_MEMBERS: &str = "SELECT sprint_id, issue_id, added_at, removed_at FROM sprint_issues ORDER BY sprint_id, issue_id";

pub const PENDING_PUSHES: &str = "SELECT DISTINCT issue_id FROM outbox WHERE state IN ('pending', 'failed') AND issue_id IS NOT NULL";

pub const SPRINT_NAMES: &str = "SELECT name FROM sprints ORDER BY start_at, id";

pub const SNAPSHOT_GET: &str = "SELECT report_json FROM report_snapshots WHERE view = ?";

pub const SNAPSHOT_PUT: &str = "INSERT INTO report_snapshots (view, computed_at, report_json) \
    VALUES (?, ?, ?) ON CONFLICT (view) DO UPDATE SET computed_at = excluded.computed_at, \
    report_json = excluded.report_json";

pub const STATUS_CATEGORIES: &str = "SELECT p.key, i.status, i.status_category FROM issues i \
    JOIN projects p ON p.id = i.project_id \
    WHERE i.gone_at IS NULL AND lower(p.key) = lower(?) \
    GROUP BY p.key, i.status, i.status_category ORDER BY count(*) DESC";

/// Name and SQL of every fixed query (the backlog ones with a trivial filter).
pub const ALL: &[(&str, &str)] = &[
    ("backlog", BACKLOG_SELECT),
    ("backlog_ids", BACKLOG_IDS),
    ("backlog_count", BACKLOG_COUNT),
    ("backlog_ids_no_project", BACKLOG_IDS_NO_PROJECT),
    ("backlog_count_no_project", BACKLOG_COUNT_NO_PROJECT),
    ("backlog_count_all", BACKLOG_COUNT_ALL),
    ("summary", SUMMARY),
    ("meta_get", META_GET),
    ("schema_version", SCHEMA_VERSION),
    ("user_tables", USER_TABLES),
    ("complete_keys", COMPLETE_KEYS),
    ("last_sync", LAST_SYNC),
    ("detail_extra", DETAIL_EXTRA),
    ("detail_links", DETAIL_LINKS),
    ("detail_events", DETAIL_EVENTS),
    ("detail_overrides", DETAIL_OVERRIDES),
    ("metric_issues", METRIC_ISSUES),
    ("metric_events", METRIC_EVENTS),
    ("metric_sprints", METRIC_SPRINTS),
    ("metric_members", METRIC_MEMBERS),
    ("people_capacity", PEOPLE_CAPACITY),
    ("data_as_of", DATA_AS_OF),
    ("pending_pushes", PENDING_PUSHES),
    ("sprint_names", SPRINT_NAMES),
    ("snapshot_get", SNAPSHOT_GET),
    ("status_categories", STATUS_CATEGORIES),
    ("snapshot_put", SNAPSHOT_PUT),
    ("failed_pushes", super::failed_pushes::FAILED_PUSHES),
];
