use chrono::NaiveDate;

use super::ast::{
    Cmp, DateCondition, DateField, Filter, IsFlag, PersonMatch, Query, Sort, SortField,
    SprintMatch, StatusMatch, Term,
};
use super::lexer::{RawTerm, lex};
use super::{MAX_CHARS, MAX_KEYS, MAX_TERMS, QueryError};
use crate::domain::{IssueType, StatusCategory};

/// Every field the language knows, in the order help lists them.
pub const FIELDS: &[&str] = &[
    "status",
    "assignee",
    "label",
    "project",
    "type",
    "sprint",
    "epic",
    "priority",
    "is",
    "points",
    "created",
    "updated",
    "closed",
    "due",
    "in-progress",
    "key",
    "sort",
];

pub fn parse(input: &str) -> Result<Query, QueryError> {
    if let Some((past, _)) = input.char_indices().nth(MAX_CHARS) {
        let length = past + input[past..].chars().count();
        return Err(QueryError::new(
            MAX_CHARS + 1,
            format!("the query is too long ({length} characters); at most {MAX_CHARS} are read"),
        ));
    }
    let raw_terms = lex(input)?;
    if let Some(extra) = raw_terms.get(MAX_TERMS) {
        // A common reason for thousands of terms: `OR` typed as an operator (it is a word).
        let or = if raw_terms
            .iter()
            .any(|t| t.field.is_none() && !t.quoted && t.value == "OR")
        {
            " (`OR` is searched as a word: every term must hold)"
        } else {
            ""
        };
        return Err(QueryError::new(
            extra.column,
            format!(
                "too many terms ({}); a query holds at most {MAX_TERMS}{or}",
                raw_terms.len()
            ),
        ));
    }
    let mut query = Query::default();
    for raw in raw_terms {
        let Some(field) = raw.field.clone() else {
            query.terms.push(Term {
                negated: raw.negated,
                filter: Filter::Text {
                    text: raw.value,
                    phrase: raw.quoted,
                },
            });
            continue;
        };
        if raw.value.trim().is_empty() {
            return Err(QueryError::new(
                raw.value_column,
                format!("expected a value after `{field}:`"),
            ));
        }
        if field == "sort" {
            if raw.negated {
                return Err(QueryError::new(raw.column, "`sort:` cannot be negated"));
            }
            query.sort = Some(sort(&raw)?);
            continue;
        }
        let filter = field_filter(&field, &raw)?;
        query.terms.push(Term {
            negated: raw.negated,
            filter,
        });
    }
    Ok(query)
}

fn field_filter(field: &str, raw: &RawTerm) -> Result<Filter, QueryError> {
    let value = raw.value.trim();
    let at = raw.value_column;
    Ok(match field {
        "status" => match StatusCategory::from_user(value) {
            Some(cat) if !raw.quoted => Filter::Status(StatusMatch::Category(cat)),
            _ => Filter::Status(StatusMatch::Name(value.to_owned())),
        },
        "assignee" => Filter::Assignee(match value.to_ascii_lowercase().as_str() {
            "@me" if !raw.quoted => PersonMatch::Me,
            "none" if !raw.quoted => PersonMatch::Nobody,
            _ => PersonMatch::Name(value.trim_start_matches('@').to_owned()),
        }),
        "label" => Filter::Label(value.to_owned()),
        "key" => Filter::Keys(keys(value, at)?),
        "project" => Filter::Project(value.to_owned()),
        "type" => Filter::Type(
            value
                .parse::<IssueType>()
                .map_err(|_| QueryError::new(at, "expected a type: epic, story, task or bug"))?,
        ),
        "sprint" => Filter::Sprint(match value.to_ascii_lowercase().as_str() {
            "current" | "active" if !raw.quoted => SprintMatch::Current,
            "next" if !raw.quoted => SprintMatch::Next,
            "none" if !raw.quoted => SprintMatch::Nothing,
            _ => SprintMatch::Name(value.to_owned()),
        }),
        "epic" => Filter::Epic(value.to_owned()),
        "priority" => Filter::Priority(value.to_owned()),
        "is" => Filter::Is(match value.to_ascii_lowercase().as_str() {
            "open" => IsFlag::Open,
            "closed" | "done" => IsFlag::Closed,
            "overdue" => IsFlag::Overdue,
            "blocked" => IsFlag::Blocked,
            "unestimated" => IsFlag::Unestimated,
            _ => {
                return Err(QueryError::new(
                    at,
                    "expected open, closed, overdue, blocked or unestimated after `is:`",
                ));
            }
        }),
        "points" => {
            let (cmp, rest, offset) = comparison(value);
            let points = rest
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite())
                .ok_or_else(|| {
                    QueryError::new(at + offset, "expected a number of points, e.g. points:>=5")
                })?;
            Filter::Points(cmp, points)
        }
        "created" | "updated" | "closed" | "due" => {
            let field = match field {
                "created" => DateField::Created,
                "updated" => DateField::Updated,
                "closed" => DateField::Closed,
                _ => DateField::Due,
            };
            Filter::Date(field, date_condition(value, at)?)
        }
        "in-progress" | "in_progress" => {
            let (cmp, rest, offset) = comparison(value);
            let secs = duration(rest).ok_or_else(|| {
                QueryError::new(
                    at + offset,
                    "expected a duration such as >5d, 2w, 12h or 30m",
                )
            })?;
            Filter::InProgress(cmp, secs)
        }
        unknown => {
            let hint = FIELDS
                .iter()
                .map(|f| (strsim::levenshtein(unknown, f), *f))
                .min()
                .filter(|(d, _)| *d <= 2)
                .map(|(_, f)| format!("did you mean `{f}:`? "))
                .unwrap_or_default();
            return Err(QueryError::new(
                raw.column + usize::from(raw.negated),
                format!(
                    "unknown field `{unknown}:`; {hint}fields are {}; quote the text to search for it",
                    FIELDS.join(", ")
                ),
            ));
        }
    })
}

/// `OPS-1,web/shop#2`: the keys of a `key:` list, at most [`MAX_KEYS`] of them.
fn keys(value: &str, at: usize) -> Result<Vec<String>, QueryError> {
    let keys: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    if keys.len() > MAX_KEYS {
        return Err(QueryError::new(
            at,
            format!(
                "too many keys ({}); `key:` names at most {MAX_KEYS}",
                keys.len()
            ),
        ));
    }
    Ok(keys)
}

/// Splits a leading comparison operator; returns the operator, the rest, and the rest's offset.
fn comparison(value: &str) -> (Cmp, &str, usize) {
    for (op, cmp) in [
        (">=", Cmp::Ge),
        ("<=", Cmp::Le),
        (">", Cmp::Gt),
        ("<", Cmp::Lt),
        ("=", Cmp::Eq),
    ] {
        if let Some(rest) = value.strip_prefix(op) {
            return (cmp, rest, op.len());
        }
    }
    (Cmp::Eq, value, 0)
}

/// An age such as `30m`, `12h`, `7d` or `2w` in seconds: the grammar every flag uses too.
fn duration(text: &str) -> Option<i64> {
    crate::domain::duration::seconds(text).ok()
}

fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn date_condition(value: &str, at: usize) -> Result<DateCondition, QueryError> {
    if let Some((from, to)) = value.split_once("..") {
        let from_day =
            day(from).ok_or_else(|| QueryError::new(at, "expected a date YYYY-MM-DD"))?;
        let to_at = at + from.chars().count() + 2;
        let to_day = day(to).ok_or_else(|| QueryError::new(to_at, "expected a date YYYY-MM-DD"))?;
        if to_day < from_day {
            return Err(QueryError::new(to_at, "the range ends before it starts"));
        }
        return Ok(DateCondition::Range(from_day, to_day));
    }
    let (cmp, rest, offset) = comparison(value);
    if let Some(d) = day(rest) {
        return Ok(DateCondition::Day(cmp, d));
    }
    if let Some(secs) = duration(rest) {
        return Ok(DateCondition::Age(cmp, secs));
    }
    Err(QueryError::new(
        at + offset,
        "expected a date (2026-01-31), an age (>7d, <2w, <30m) or a range (2026-01-01..2026-02-01)",
    ))
}

fn sort(raw: &RawTerm) -> Result<Sort, QueryError> {
    let value = raw.value.to_ascii_lowercase();
    let (name, descending) = if let Some(n) = value.strip_suffix("-desc") {
        (n, true)
    } else if let Some(n) = value.strip_suffix("-asc") {
        (n, false)
    } else {
        (value.as_str(), false)
    };
    let field = SortField::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<&str> = SortField::ALL.iter().map(|(n, _)| *n).collect();
            QueryError::new(
                raw.value_column,
                format!(
                    "expected a sort field ({}), optionally with -asc or -desc",
                    names.join(", ")
                ),
            )
        })?;
    Ok(Sort { field, descending })
}
