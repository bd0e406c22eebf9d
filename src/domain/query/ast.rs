use chrono::NaiveDate;

use crate::domain::{IssueType, StatusCategory};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
    pub sort: Option<Sort>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.sort.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub negated: bool,
    pub filter: Filter,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Full-text match on key, title, description and labels; a quoted phrase stays one unit.
    Text {
        text: String,
        phrase: bool,
    },
    Status(StatusMatch),
    Assignee(PersonMatch),
    Label(String),
    Project(String),
    Type(IssueType),
    Sprint(SprintMatch),
    /// Parent epic by key, or by a fragment of its title.
    Epic(String),
    Priority(String),
    Is(IsFlag),
    Points(Cmp, f64),
    Date(DateField, DateCondition),
    /// Time since the issue last entered an in-progress status, in seconds.
    InProgress(Cmp, i64),
    /// Exactly these issues (`key:OPS-1,OPS-2`): how a dashboard number opens its issues.
    Keys(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatusMatch {
    Category(StatusCategory),
    Name(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PersonMatch {
    Me,
    Nobody,
    Name(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SprintMatch {
    Current,
    Next,
    Nothing,
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsFlag {
    Open,
    Closed,
    Overdue,
    Blocked,
    Unestimated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }

    /// The comparison that holds for timestamps when this one holds for ages (older = earlier).
    #[must_use]
    pub fn flipped(self) -> Self {
        match self {
            Self::Eq => Self::Eq,
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    Created,
    Updated,
    Closed,
    Due,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateCondition {
    /// `>7d`: the age (time since the date) compared with a duration in seconds.
    Age(Cmp, i64),
    /// `<2026-01-01`: the date compared with a calendar day.
    Day(Cmp, NaiveDate),
    /// `2026-01-01..2026-02-01`: both days included.
    Range(NaiveDate, NaiveDate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Key,
    Type,
    Title,
    Status,
    Assignee,
    Points,
    Sprint,
    Priority,
    Created,
    Updated,
    Due,
}

impl SortField {
    pub const ALL: &'static [(&'static str, SortField)] = &[
        ("key", Self::Key),
        ("type", Self::Type),
        ("title", Self::Title),
        ("status", Self::Status),
        ("assignee", Self::Assignee),
        ("points", Self::Points),
        ("sprint", Self::Sprint),
        ("priority", Self::Priority),
        ("created", Self::Created),
        ("updated", Self::Updated),
        ("due", Self::Due),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("updated", |(n, _)| n)
    }
}
