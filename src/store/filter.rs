//! Compiles a parsed [`Query`] into a WHERE clause and ORDER BY over the backlog query
//! (`issues i JOIN projects p`). Every user value is a bound parameter; the SQL text holds only
//! fixed fragments chosen here.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::issue::priority_rank;
use crate::domain::query::{
    Cmp, DateCondition, DateField, Filter, IsFlag, PersonMatch, Query, SortField, SprintMatch,
    StatusMatch,
};
use crate::domain::time::{date_to_db, to_db};
use crate::store::sql::fragments;

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

/// A compiled filter: `where_sql` is a boolean SQL expression with `?` placeholders filled, in
/// order, from `binds`; `order_sql` needs only `i` (issues) and `p` (projects), so it can order
/// ids without building whole rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    pub where_sql: String,
    pub binds: Vec<Bind>,
    pub order_sql: String,
}

impl SqlFilter {
    /// No condition beyond "not gone": every live issue matches.
    pub fn is_unfiltered(&self) -> bool {
        self.where_sql == LIVE
    }

    /// Whether the SQL mentions the projects table (`p`), so the join is needed.
    pub fn uses_project(&self) -> bool {
        self.where_sql.contains("p.") || self.order_sql.contains("p.")
    }
}

/// How the backlog is grouped. Group keys are text: the epic's key and title, the first
/// assignee's username, the current sprint's name; `None` collects issues without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    #[default]
    Nothing,
    Epic,
    Assignee,
    Sprint,
}

impl GroupBy {
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Nothing => Self::Epic,
            Self::Epic => Self::Assignee,
            Self::Assignee => Self::Sprint,
            Self::Sprint => Self::Nothing,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Nothing => "none",
            Self::Epic => "epic",
            Self::Assignee => "assignee",
            Self::Sprint => "sprint",
        }
    }

    /// The SQL expression of an issue's group key over `i`, or `None` when not grouping.
    pub fn sql(self) -> Option<&'static str> {
        match self {
            Self::Nothing => None,
            Self::Epic => Some(
                "(CASE WHEN i.issue_type = 'epic' THEN i.key || ' ' || i.title ELSE \
                 (SELECT CASE WHEN e.issue_type = 'epic' THEN e.key || ' ' || e.title ELSE \
                 (SELECT g.key || ' ' || g.title FROM issues g WHERE g.id = e.parent_id AND g.issue_type = 'epic') END \
                 FROM issues e WHERE e.id = i.parent_id) END)",
            ),
            Self::Assignee => Some(
                "(SELECT min(pe.username) FROM issue_assignees ia JOIN people pe ON pe.id = ia.person_id \
                 WHERE ia.issue_id = i.id)",
            ),
            Self::Sprint => Some(
                "(SELECT s.name FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
                 WHERE si.issue_id = i.id AND si.removed_at IS NULL \
                 ORDER BY s.start_at DESC NULLS LAST, s.id DESC LIMIT 1)",
            ),
        }
    }
}

/// Grouping plus the groups folded away (their rows are not listed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grouping {
    pub by: GroupBy,
    pub collapsed: Vec<Option<String>>,
}

/// Stands for "no group" in SQL lists, where NULL cannot be compared.
pub const NO_GROUP: &str = "\u{0}";

/// Issues reconcile found deleted upstream stay in the database but out of every list.
const LIVE: &str = "i.gone_at IS NULL";

/// What a query means depends on who is asking and when.
#[derive(Debug, Clone)]
pub struct FilterContext {
    pub now: DateTime<Utc>,
    pub me: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error(
        "assignee:@me needs to know who you are: set `me = \"your-username\"` under [ui] in the config"
    )]
    UnknownMe,
}

fragments! {
    /// Issues currently in a sprint; callers add a condition on `s`. A non-correlated `IN` is
    /// evaluated once per query, not once per row.
    OPEN_MEMBERSHIP = "SELECT si.issue_id FROM sprint_issues si \
        JOIN sprints s ON s.id = si.sprint_id WHERE si.removed_at IS NULL";
    /// An epic by key, or by title words (a `LIKE` pattern).
    EPIC_MATCH = "SELECT e.id FROM issues e WHERE lower(e.key) = lower(?) OR e.title LIKE ? ESCAPE '\\'";
}

pub fn compile(query: &Query, ctx: &FilterContext) -> Result<SqlFilter, FilterError> {
    let mut conditions = vec![LIVE.to_owned()];
    let mut binds = Vec::new();

    // Positive free-text terms share one FTS MATCH (implicit AND), which FTS5 answers in one pass.
    let mut fts_terms = Vec::new();
    for term in &query.terms {
        if let (false, Filter::Text { text, phrase }) = (term.negated, &term.filter)
            && let Some(expr) = fts_expression(text, *phrase)
        {
            fts_terms.push(expr);
            continue;
        }
        let mut local = Vec::new();
        let sql = condition(&term.filter, ctx, &mut local)?;
        if term.negated {
            conditions.push(format!("(({sql}) IS NOT TRUE)"));
        } else {
            conditions.push(format!("({sql})"));
        }
        binds.extend(local);
    }
    if !fts_terms.is_empty() {
        conditions.push("i.id IN (SELECT rowid FROM issues_fts WHERE issues_fts MATCH ?)".into());
        binds.push(Bind::Text(fts_terms.join(" ")));
    }
    Ok(SqlFilter {
        where_sql: conditions.join(" AND "),
        binds,
        order_sql: order_by(query),
    })
}

/// An FTS5 string for one user term: the text is quoted (so FTS syntax in it is inert) and a
/// bare word also matches as a prefix, which is what search-as-you-type wants.
fn fts_expression(text: &str, phrase: bool) -> Option<String> {
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    let quoted = format!("\"{}\"", text.replace('"', "\"\""));
    // A one-letter prefix matches most of the index: slow, and useless as a filter.
    let too_short = text.chars().count() < 2;
    Some(if phrase || too_short || looks_like_key(text) {
        quoted
    } else {
        format!("{quoted}*")
    })
}

/// `OPS-12`, `web/shop#12`: a typed key should find that issue, not OPS-120 to OPS-129 too.
fn looks_like_key(text: &str) -> bool {
    let Some((head, number)) = text.rsplit_once(['-', '#']) else {
        return false;
    };
    !head.is_empty()
        && head.chars().next().is_some_and(char::is_alphabetic)
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn text(binds: &mut Vec<Bind>, value: &str) {
    binds.push(Bind::Text(value.to_owned()));
}

fn day_after(day: NaiveDate) -> String {
    date_to_db(day.succ_opt().unwrap_or(day))
}

// One arm per operator: reading them side by side is the point, so the length is accepted.
#[allow(clippy::too_many_lines)]
fn condition(
    filter: &Filter,
    ctx: &FilterContext,
    binds: &mut Vec<Bind>,
) -> Result<String, FilterError> {
    Ok(match filter {
        Filter::Text {
            text: words,
            phrase,
        } => {
            if let Some(expr) = fts_expression(words, *phrase) {
                text(binds, &expr);
                "i.id IN (SELECT rowid FROM issues_fts WHERE issues_fts MATCH ?)".into()
            } else {
                text(binds, &like_pattern(words));
                "i.title LIKE ? ESCAPE '\\'".into()
            }
        }
        Filter::Status(StatusMatch::Category(cat)) => {
            text(binds, cat.as_str());
            "i.status_category = ?".into()
        }
        Filter::Status(StatusMatch::Name(name)) => {
            text(binds, name);
            "lower(i.status) = lower(?)".into()
        }
        Filter::Assignee(PersonMatch::Nobody) => {
            "i.id NOT IN (SELECT ia.issue_id FROM issue_assignees ia)".into()
        }
        Filter::Assignee(who) => {
            let name = match who {
                PersonMatch::Me => ctx.me.as_deref().ok_or(FilterError::UnknownMe)?,
                PersonMatch::Name(n) => n.as_str(),
                PersonMatch::Nobody => "",
            };
            text(binds, name);
            text(binds, name);
            "i.id IN (SELECT ia.issue_id FROM issue_assignees ia WHERE ia.person_id IN \
             (SELECT pe.id FROM people pe WHERE lower(pe.username) = lower(?) OR lower(pe.display_name) = lower(?)))"
                .into()
        }
        Filter::Label(name) => {
            text(binds, name);
            "i.id IN (SELECT il.issue_id FROM issue_labels il WHERE il.label_id IN \
             (SELECT l.id FROM labels l WHERE lower(l.name) = lower(?)))"
                .into()
        }
        Filter::Project(name) => {
            text(binds, name);
            text(binds, name);
            "(lower(p.key) = lower(?) OR lower(p.name) = lower(?))".into()
        }
        Filter::Keys(keys) => {
            if keys.is_empty() {
                return Ok("0".into());
            }
            for k in keys {
                text(binds, k);
            }
            format!("i.key IN ({})", vec!["?"; keys.len()].join(", "))
        }
        Filter::Type(t) => {
            text(binds, t.as_str());
            "i.issue_type = ?".into()
        }
        Filter::Sprint(SprintMatch::Current) => {
            format!("i.id IN ({OPEN_MEMBERSHIP} AND s.state = 'active')")
        }
        Filter::Sprint(SprintMatch::Next) => format!(
            "i.id IN ({OPEN_MEMBERSHIP} AND s.state = 'future' AND NOT EXISTS (SELECT 1 FROM sprints s2 \
             WHERE s2.source_name = s.source_name AND s2.state = 'future' AND s2.start_at < s.start_at))"
        ),
        Filter::Sprint(SprintMatch::Nothing) => {
            format!("i.id NOT IN ({OPEN_MEMBERSHIP} AND s.state IN ('active', 'future'))")
        }
        Filter::Sprint(SprintMatch::Name(name)) => {
            text(binds, name);
            format!("i.id IN ({OPEN_MEMBERSHIP} AND lower(s.name) = lower(?))")
        }
        Filter::Epic(epic) => {
            text(binds, epic);
            text(binds, &like_pattern(epic));
            text(binds, epic);
            text(binds, &like_pattern(epic));
            format!(
                "i.parent_id IN ({EPIC_MATCH}) OR i.parent_id IN \
                 (SELECT m.id FROM issues m WHERE m.parent_id IN ({EPIC_MATCH}))"
            )
        }
        Filter::Priority(name) => {
            if let Some(rank) = priority_rank(name) {
                binds.push(Bind::Int(rank));
                "i.priority_rank = ?".into()
            } else {
                text(binds, name);
                "lower(i.priority) = lower(?)".into()
            }
        }
        Filter::Is(IsFlag::Open) => "i.status_category <> 'done'".into(),
        Filter::Is(IsFlag::Closed) => "i.status_category = 'done'".into(),
        Filter::Is(IsFlag::Overdue) => {
            text(binds, &date_to_db(ctx.now.date_naive()));
            "i.due_date < ? AND i.status_category <> 'done'".into()
        }
        Filter::Is(IsFlag::Blocked) => {
            "i.id IN (SELECT lk.to_issue_id FROM issue_links lk JOIN issues b ON b.id = lk.from_issue_id \
             WHERE lk.kind = 'blocks' AND b.status_category <> 'done')"
                .into()
        }
        Filter::Is(IsFlag::Unestimated) => "i.story_points IS NULL".into(),
        Filter::Points(cmp, points) => {
            binds.push(Bind::Real(*points));
            format!("i.story_points {} ?", cmp.sql())
        }
        Filter::Date(field, cond) => date_condition(*field, cond, ctx, binds),
        Filter::InProgress(cmp, secs) => {
            text(binds, &to_db(ctx.now - Duration::seconds(*secs)));
            format!(
                "i.status_category = 'in_progress' AND coalesce((SELECT max(e.at) FROM status_events e \
                 WHERE e.issue_id = i.id AND e.to_category = 'in_progress'), i.updated_at) {} ?",
                cmp.flipped().sql()
            )
        }
    })
}

fn date_condition(
    field: DateField,
    cond: &DateCondition,
    ctx: &FilterContext,
    binds: &mut Vec<Bind>,
) -> String {
    let column = match field {
        DateField::Created => "i.created_at",
        DateField::Updated => "i.updated_at",
        DateField::Closed => "i.closed_at",
        DateField::Due => "i.due_date",
    };
    match cond {
        // Ages look back from now; for due dates a duration looks ahead ("due within 7d").
        DateCondition::Age(cmp, secs) if field == DateField::Due => {
            binds.push(Bind::Text(date_to_db(
                (ctx.now + Duration::seconds(*secs)).date_naive(),
            )));
            format!("{column} {} ?", cmp.sql())
        }
        DateCondition::Age(cmp, secs) => {
            binds.push(Bind::Text(to_db(ctx.now - Duration::seconds(*secs))));
            format!("{column} {} ?", cmp.flipped().sql())
        }
        DateCondition::Day(cmp, day) => {
            // Dates are compared as text prefixes: '2026-01-05T10:00:00Z' >= '2026-01-05'.
            let (start, next) = (date_to_db(*day), day_after(*day));
            match cmp {
                Cmp::Eq => {
                    binds.push(Bind::Text(start));
                    binds.push(Bind::Text(next));
                    format!("{column} >= ? AND {column} < ?")
                }
                Cmp::Lt => {
                    binds.push(Bind::Text(start));
                    format!("{column} < ?")
                }
                Cmp::Le => {
                    binds.push(Bind::Text(next));
                    format!("{column} < ?")
                }
                Cmp::Gt => {
                    binds.push(Bind::Text(next));
                    format!("{column} >= ?")
                }
                Cmp::Ge => {
                    binds.push(Bind::Text(start));
                    format!("{column} >= ?")
                }
            }
        }
        DateCondition::Range(from, to) => {
            binds.push(Bind::Text(date_to_db(*from)));
            binds.push(Bind::Text(day_after(*to)));
            format!("{column} >= ? AND {column} < ?")
        }
    }
}

fn order_by(query: &Query) -> String {
    let Some(sort) = query.sort else {
        return "i.updated_at DESC, i.id DESC".to_owned();
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let expr = match sort.field {
        SortField::Key => format!("p.key {dir}, length(i.key) {dir}, i.key {dir}"),
        SortField::Type => format!("i.issue_type {dir}"),
        SortField::Title => format!("i.title COLLATE NOCASE {dir}"),
        SortField::Status => format!(
            "CASE i.status_category WHEN 'todo' THEN 0 WHEN 'in_progress' THEN 1 ELSE 2 END {dir}, i.status {dir}"
        ),
        SortField::Assignee => format!(
            "(SELECT min(pe.username) FROM issue_assignees ia JOIN people pe ON pe.id = ia.person_id \
             WHERE ia.issue_id = i.id) {dir} NULLS LAST"
        ),
        SortField::Points => format!("i.story_points {dir} NULLS LAST"),
        SortField::Sprint => format!(
            "(SELECT max(s.start_at) FROM sprint_issues si JOIN sprints s ON s.id = si.sprint_id \
             WHERE si.issue_id = i.id AND si.removed_at IS NULL) {dir} NULLS LAST"
        ),
        SortField::Priority => format!("i.priority_rank {dir} NULLS LAST"),
        SortField::Created => format!("i.created_at {dir}"),
        SortField::Updated => format!("i.updated_at {dir}"),
        SortField::Due => format!("i.due_date {dir} NULLS LAST"),
    };
    format!("{expr}, i.id {dir}")
}
