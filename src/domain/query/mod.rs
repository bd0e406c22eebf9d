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
    pub fn caret(&self, input: &str) -> String {
        let pad = " ".repeat(self.column.saturating_sub(1));
        format!("{input}\n{pad}^ {}", self.message)
    }
}
