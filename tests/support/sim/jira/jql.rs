//! The JQL a Jira client sends, parsed and run against the world: clauses on project, key, id,
//! status, statusCategory, created, updated, resolved, filter, sprint, issuetype, parent,
//! assignee, reporter, labels, priority and text; AND, OR, NOT and parentheses; ORDER BY.
//! Whatever it does not know is an error, as Jira's parser gives one: unknown fields and
//! values are 400, and a query without a restriction is refused as unbounded (rule JR-SRCH-8).

use std::cmp::Ordering;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use sprintdeck::demo::teams::model::{self, JiraIssue, JiraType, SprintState, Step};

use super::super::served::Served;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Comma,
    Op(String),
    Word(String),
    Str(String),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '"' | '\'' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    s.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(
                        "Error in the JQL Query: The quoted string has not been completed.".into(),
                    );
                }
                i += 1;
                out.push(Tok::Str(s));
            }
            '=' | '!' | '<' | '>' | '~' => {
                let mut op = c.to_string();
                if i + 1 < chars.len() && (chars[i + 1] == '=' || chars[i + 1] == '~') {
                    op.push(chars[i + 1]);
                    i += 1;
                }
                i += 1;
                out.push(Tok::Op(op));
            }
            _ => {
                let mut s = String::new();
                while i < chars.len() && !" \t\n\r(),=!<>~\"'".contains(chars[i]) {
                    s.push(chars[i]);
                    i += 1;
                }
                out.push(Tok::Word(s));
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Func(String),
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Clause {
        field: String,
        op: String,
        values: Vec<Value>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Jql {
    pub expr: Option<Expr>,
    pub order: Vec<(String, bool)>,
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

fn kw(t: Option<&Tok>, word: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn err(&self, what: &str) -> String {
        format!(
            "Error in the JQL Query: Expecting {what} but got '{}'.",
            match self.peek() {
                Some(Tok::Word(w) | Tok::Str(w) | Tok::Op(w)) => w.clone(),
                Some(Tok::Open) => "(".into(),
                Some(Tok::Close) => ")".into(),
                Some(Tok::Comma) => ",".into(),
                None => "end of query".into(),
            }
        )
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while kw(self.peek(), "or") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.not()?];
        while kw(self.peek(), "and") {
            self.at += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn not(&mut self) -> Result<Expr, String> {
        if kw(self.peek(), "not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.peek() == Some(&Tok::Open) {
            self.at += 1;
            let e = self.or()?;
            if self.next() != Some(Tok::Close) {
                return Err(
                    "Error in the JQL Query: Expecting ')' before the end of the query.".into(),
                );
            }
            return Ok(e);
        }
        self.clause()
    }

    fn clause(&mut self) -> Result<Expr, String> {
        let Some(Tok::Word(field) | Tok::Str(field)) = self.next() else {
            self.at -= 1;
            return Err(self.err("a field name"));
        };
        let field = field.to_ascii_lowercase();
        let op = match self.next() {
            Some(Tok::Op(o)) => o,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => "in".into(),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("is") => {
                if kw(self.peek(), "not") {
                    self.at += 1;
                    "is not".into()
                } else {
                    "is".into()
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") && kw(self.peek(), "in") => {
                self.at += 1;
                "not in".into()
            }
            _ => {
                self.at -= 1;
                return Err(self.err("operator"));
            }
        };
        let values = if self.peek() == Some(&Tok::Open) {
            self.at += 1;
            let mut vs = vec![self.value()?];
            while self.peek() == Some(&Tok::Comma) {
                self.at += 1;
                vs.push(self.value()?);
            }
            if self.next() != Some(Tok::Close) {
                return Err(
                    "Error in the JQL Query: Expecting ')' after the list of values.".into(),
                );
            }
            vs
        } else {
            vec![self.value()?]
        };
        Ok(Expr::Clause { field, op, values })
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Value::Text(s)),
            Some(Tok::Word(w)) => {
                if w.eq_ignore_ascii_case("empty") || w.eq_ignore_ascii_case("null") {
                    return Ok(Value::Empty);
                }
                if self.peek() == Some(&Tok::Open)
                    && self.toks.get(self.at + 1) == Some(&Tok::Close)
                {
                    self.at += 2;
                    return Ok(Value::Func(w.to_ascii_lowercase()));
                }
                Ok(Value::Text(w))
            }
            _ => {
                self.at -= 1;
                Err(self.err("either a value, list or function"))
            }
        }
    }
}

const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

pub fn parse(text: &str) -> Result<Jql, String> {
    let toks = lex(text)?;
    let order_at = (0..toks.len()).find(|i| kw(toks.get(*i), "order") && kw(toks.get(i + 1), "by"));
    let (head, tail) = toks.split_at(order_at.unwrap_or(toks.len()));
    let expr = if head.is_empty() {
        None
    } else {
        let mut p = Parser {
            toks: head.to_vec(),
            at: 0,
        };
        let e = p.or()?;
        if p.at < p.toks.len() {
            return Err(p.err("either 'AND' or 'OR'"));
        }
        Some(e)
    };
    let mut order = Vec::new();
    let mut i = 2;
    while i < tail.len() {
        let (Tok::Word(field) | Tok::Str(field)) = &tail[i] else {
            return Err(
                "Error in the JQL Query: Expecting a field name in the ORDER BY clause.".into(),
            );
        };
        i += 1;
        let mut asc = true;
        if kw(tail.get(i), "asc") || kw(tail.get(i), "desc") {
            asc = kw(tail.get(i), "asc");
            i += 1;
        }
        order.push((field.to_ascii_lowercase(), asc));
        if tail.get(i) == Some(&Tok::Comma) {
            i += 1;
        }
    }
    // The ORDER BY clause names at most 7 fields (JQL parameter docs).
    if order.len() > 7 {
        return Err("The ORDER BY clause can contain a maximum of 7 fields.".into());
    }
    if expr.is_none() {
        return Err(UNBOUNDED.into());
    }
    Ok(Jql { expr, order })
}

/// Board filters by id: the saved JQL each board shows.
fn filter_jql(served: &Served, id: &str) -> Option<String> {
    let board = served
        .world
        .jira
        .boards
        .iter()
        .find(|b| b.filter_id.to_string() == id)?;
    Some(format!("project = {}", board.project_key))
}

/// A relative (`-90d`, `-15m`, `-2h`, `-1w`) or absolute (`2026-11-18`, `2026/11/18 09:00`)
/// date, in the site's time zone (UTC here).
fn when(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('-').or_else(|| t.strip_prefix('+')) {
        let sign = if t.starts_with('-') { -1 } else { 1 };
        let (n, unit) = rest.split_at(rest.len().checked_sub(1)?);
        let n: i64 = n.parse().ok()?;
        let d = match unit {
            "m" => Duration::minutes(n),
            "h" => Duration::hours(n),
            "d" => Duration::days(n),
            "w" => Duration::weeks(n),
            _ => return None,
        };
        return Some(now + d * sign);
    }
    let t = t.replace('/', "-");
    NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M")
        .map(|d| d.and_utc())
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
}

pub struct Eval<'a> {
    pub served: &'a Served,
    pub now: DateTime<Utc>,
    /// The account the request signed in as (`currentUser()`).
    pub me: Option<&'a str>,
}

fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Text(t) => Some(t.as_str()),
        _ => None,
    }
}

impl Eval<'_> {
    /// Checks every field and value once, so a query that cannot run fails before any issue.
    pub fn check(&self, e: &Expr) -> Result<(), String> {
        match e {
            Expr::And(v) | Expr::Or(v) => v.iter().try_for_each(|x| self.check(x)),
            Expr::Not(x) => self.check(x),
            Expr::Clause { field, values, .. } => {
                let known = [
                    "project",
                    "key",
                    "issuekey",
                    "issue",
                    "id",
                    "status",
                    "statuscategory",
                    "updated",
                    "updateddate",
                    "created",
                    "createddate",
                    "resolved",
                    "resolutiondate",
                    "filter",
                    "sprint",
                    "issuetype",
                    "type",
                    "parent",
                    "assignee",
                    "reporter",
                    "labels",
                    "priority",
                    "text",
                    "summary",
                    "cf[10020]",
                ];
                if !known.contains(&field.as_str()) {
                    return Err(format!(
                        "Field '{field}' does not exist or you do not have permission to view it."
                    ));
                }
                for v in values {
                    let Some(t) = text_of(v) else { continue };
                    let ok = match field.as_str() {
                        "project" => {
                            self.served.world.jira.project_by_ref(t).is_some()
                                || self
                                    .served
                                    .world
                                    .jira
                                    .projects
                                    .iter()
                                    .any(|p| p.name.eq_ignore_ascii_case(t))
                        }
                        "filter" => filter_jql(self.served, t).is_some(),
                        "updated" | "updateddate" | "created" | "createddate" | "resolved"
                        | "resolutiondate" => when(t, self.now).is_some(),
                        _ => true,
                    };
                    if !ok {
                        return Err(format!(
                            "The value '{t}' does not exist for the field '{field}'."
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    pub fn matches(&self, e: &Expr, i: &JiraIssue) -> bool {
        match e {
            Expr::And(v) => v.iter().all(|x| self.matches(x, i)),
            Expr::Or(v) => v.iter().any(|x| self.matches(x, i)),
            Expr::Not(x) => !self.matches(x, i),
            Expr::Clause { field, op, values } => self.clause(field, op, values, i),
        }
    }

    fn clause(&self, field: &str, op: &str, values: &[Value], i: &JiraIssue) -> bool {
        let jr = &self.served.world.jira;
        let negate = matches!(op, "!=" | "not in" | "is not" | "!~");
        let hit = match field {
            "updated" | "updateddate" | "created" | "createddate" | "resolved"
            | "resolutiondate" => {
                let at = match field {
                    "updated" | "updateddate" => Some(i.updated),
                    "created" | "createddate" => Some(i.created),
                    _ => model::closed_at(&i.history),
                };
                let Some(at) = at else { return negate };
                let Some(t) = values
                    .first()
                    .and_then(text_of)
                    .and_then(|t| when(t, self.now))
                else {
                    return false;
                };
                return match op {
                    ">=" => at >= t,
                    ">" => at > t,
                    "<=" => at <= t,
                    "<" => at < t,
                    "=" => at == t,
                    "!=" => at != t,
                    _ => false,
                };
            }
            "filter" => values.iter().filter_map(text_of).any(|id| {
                filter_jql(self.served, id)
                    .and_then(|q| parse(&q).ok())
                    .and_then(|q| q.expr)
                    .is_some_and(|e| self.matches(&e, i))
            }),
            _ => values.iter().any(|v| self.one(field, v, i, jr)),
        };
        if negate { !hit } else { hit }
    }

    fn one(&self, field: &str, v: &Value, i: &JiraIssue, jr: &model::Jira) -> bool {
        let project = &jr.projects[i.project];
        let step = model::current(&i.history);
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        match (field, v) {
            ("project", Value::Text(t)) => {
                eq(&project.key, t) || project.id == *t || eq(&project.name, t)
            }
            ("key" | "issuekey" | "issue", Value::Text(t)) => {
                eq(&i.key, t)
                    || i.moves.iter().any(|m| eq(&m.from_key, t))
                    || i.id.to_string() == *t
            }
            ("id", Value::Text(t)) => i.id.to_string() == *t,
            ("status", Value::Text(t)) => {
                let s = project.status(step);
                eq(&s.name, t) || s.id == *t
            }
            ("statuscategory", Value::Text(t)) => {
                let names: &[&str] = match step {
                    Step::Todo => &["to do", "new", "2"],
                    Step::Doing | Step::Review => &["in progress", "indeterminate", "4"],
                    Step::Done => &["done", "3"],
                };
                names.iter().any(|n| eq(n, t))
            }
            ("sprint" | "cf[10020]", Value::Text(t)) => {
                i.sprints.iter().filter(|s| s.left.is_none()).any(|s| {
                    s.sprint_id.to_string() == *t
                        || jr.sprint(s.sprint_id).is_some_and(|x| eq(&x.name, t))
                })
            }
            ("sprint" | "cf[10020]", Value::Func(f)) => {
                let want: &[SprintState] = match f.as_str() {
                    "opensprints" => &[SprintState::Active, SprintState::Future],
                    "closedsprints" => &[SprintState::Closed],
                    "futuresprints" => &[SprintState::Future],
                    _ => &[],
                };
                i.sprints.iter().filter(|s| s.left.is_none()).any(|s| {
                    jr.sprint(s.sprint_id)
                        .is_some_and(|x| want.contains(&x.state))
                })
            }
            ("sprint" | "cf[10020]", Value::Empty) => i.sprints.iter().all(|s| s.left.is_some()),
            ("issuetype" | "type", Value::Text(t)) => {
                let ty = super::issue_type_of(project, i.issue_type);
                eq(&ty.name, t) || ty.id == *t
            }
            ("issuetype" | "type", Value::Func(f)) => match f.as_str() {
                "standardissuetypes" => i.issue_type != JiraType::Subtask,
                "subtaskissuetypes" => i.issue_type == JiraType::Subtask,
                _ => false,
            },
            ("parent", Value::Text(t)) => i
                .parent_id
                .and_then(|p| self.served.jr_issue(p))
                .is_some_and(|p| eq(&p.key, t) || p.id.to_string() == *t),
            ("assignee" | "reporter", Value::Empty) => field == "assignee" && i.assignee.is_none(),
            ("assignee" | "reporter", v) => {
                let who = if field == "assignee" {
                    i.assignee
                } else {
                    Some(i.reporter)
                };
                let account = who
                    .and_then(|p| self.served.world.people.get(p))
                    .and_then(|p| p.jira.as_ref())
                    .map(|u| u.account_id.as_str());
                match v {
                    Value::Func(f) if f == "currentuser" => account.is_some() && account == self.me,
                    Value::Text(t) => account == Some(t.as_str()),
                    _ => false,
                }
            }
            ("labels", Value::Text(t)) => i.labels.iter().any(|l| l == t),
            ("labels", Value::Empty) => i.labels.is_empty(),
            ("priority", Value::Text(t)) => eq(i.priority, t),
            ("text" | "summary", Value::Text(t)) => {
                let t = t.to_lowercase();
                i.summary.to_lowercase().contains(&t)
                    || (field == "text" && i.description.to_lowercase().contains(&t))
            }
            _ => false,
        }
    }

    /// ORDER BY, then Jira's default (newest key first).
    pub fn order(
        order: &[(String, bool)],
        a: &JiraIssue,
        b: &JiraIssue,
    ) -> Result<Ordering, String> {
        for (field, asc) in order {
            let o = match field.as_str() {
                "updated" | "updateddate" => a.updated.cmp(&b.updated),
                "created" | "createddate" => a.created.cmp(&b.created),
                "key" | "issuekey" => key_order(&a.key, &b.key),
                // Rank follows creation here.
                "id" | "rank" => a.id.cmp(&b.id),
                "priority" => a.priority.cmp(b.priority),
                _ => return Err(format!("Not able to sort using field '{field}'.")),
            };
            let o = if *asc { o } else { o.reverse() };
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        Ok(key_order(&b.key, &a.key))
    }
}

/// `BENCH-9` before `BENCH-10`.
fn key_order(a: &str, b: &str) -> Ordering {
    let split = |k: &str| {
        let (p, n) = k.rsplit_once('-').unwrap_or((k, "0"));
        (p.to_owned(), n.parse::<u64>().unwrap_or(0))
    };
    split(a).cmp(&split(b))
}
