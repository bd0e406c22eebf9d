//! The backlog query language: `status:doing assignee:@me -label:infra "login page" sort:updated-desc`.
//!
//! Parsing is pure and lives here; `store::filter` compiles a [`Query`] into parameterised SQL.
//! The grammar is documented in `docs/query-language.md`.

mod ast;
mod lexer;
mod parser;

pub use ast::{
    Cmp, DateCondition, DateField, Filter, IsFlag, PersonMatch, Query, Sort, SortField,
    SprintMatch, StatusMatch, Term,
};
pub use parser::{FIELDS, parse};

/// The longest query read, in characters: far beyond anything typed, and enough for a dashboard
/// number's `key:` list of thousands of issues.
pub const MAX_CHARS: usize = 65_536;
/// The most terms in one query. Each term is one more level in the SQL expression, and `SQLite`
/// refuses expressions deeper than 1,000 (as a database error, not a query error).
pub const MAX_TERMS: usize = 256;
/// The most issues one `key:` list names (each is a bound parameter).
pub const MAX_KEYS: usize = 10_000;

/// How many characters of a long query an error shows on each side of its column.
const CARET_CONTEXT: usize = 40;

/// A parse error, pointing at a 1-based character column of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(column: usize, message: impl Into<String>) -> Self {
        Self {
            column,
            message: message.into(),
        }
    }

    /// The input with a caret under the offending column, for a terminal or an error message.
    /// A long input is cut to the part around the column, with `…` where text was left out.
    pub fn caret(&self, input: &str) -> String {
        let chars: Vec<char> = input.chars().collect();
        let at = self.column.saturating_sub(1);
        let from = at.saturating_sub(CARET_CONTEXT);
        let to = (at + CARET_CONTEXT).min(chars.len());
        let head = if from > 0 { "…" } else { "" };
        let tail = if to < chars.len() { "…" } else { "" };
        let shown: String = chars[from.min(to)..to].iter().collect();
        let pad = " ".repeat(at - from + usize::from(from > 0));
        // Cut short, the line no longer shows where it is: the column says.
        let column = if from > 0 || to < chars.len() {
            format!("column {}: ", self.column)
        } else {
            String::new()
        };
        format!("{head}{shown}{tail}\n{pad}^ {column}{}", self.message)
    }
}
