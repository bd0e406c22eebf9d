//! The register of every SQL statement the store runs, for the schema check that prepares each
//! one against a freshly migrated database (`tests/it/store_sql.rs`), so a typo or a schema
//! change fails a test rather than a user.
//!
//! Each store module declares its SQL in one `statements!` block: a fixed statement as a named
//! constant, registered by the block itself. Dynamic SQL (bulk inserts, `IN` lists, a column
//! chosen at run time) keeps its pieces in a `fragments!` block and is built by one function;
//! the module's `examples()` builds representative instances with that same function.
//!
//! A new query goes in the module named for what it reads or writes (a new module: add its
//! `STATEMENTS`, and its `examples()` if it builds SQL, to [`all`]), behind a function callers
//! use; SQL outside `src/store/` fails a test, as does SQL text in the store outside the blocks
//! or a module with a block missing here.

/// One registered statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The module that runs it (`sprintdeck::store::chat`).
    pub module: &'static str,
    pub name: &'static str,
    pub sql: String,
}

/// A module's fixed statements: its path and (name, SQL) pairs.
pub type Fixed = (&'static str, &'static [(&'static str, &'static str)]);

/// Declares a module's fixed SQL statements as constants and registers them in the module's
/// `STATEMENTS` (one block per module).
macro_rules! statements {
    ($($(#[$meta:meta])* $vis:vis $name:ident = $sql:expr;)+) => {
        $($(#[$meta])* $vis const $name: &str = $sql;)+

        /// This module's fixed statements, for the schema check (`store::sql::all`).
        pub(crate) const STATEMENTS: $crate::store::sql::Fixed =
            (module_path!(), &[$((stringify!($name), $name)),+]);
    };
}

/// Declares pieces of dynamic SQL; they are checked through the module's `examples()`.
macro_rules! fragments {
    ($($(#[$meta:meta])* $vis:vis $name:ident = $sql:expr;)+) => {
        $($(#[$meta])* $vis const $name: &str = $sql;)+
    };
}

pub(crate) use {fragments, statements};

impl Statement {
    /// A representative instance of a dynamic statement of `module`.
    pub(crate) fn example(module: &'static str, name: &'static str, sql: String) -> Self {
        Self { module, name, sql }
    }
}

/// Every statement of the store: the fixed ones of each module, then instances of the dynamic
/// ones built by the code that runs them.
pub fn all() -> Vec<Statement> {
    let fixed: &[Fixed] = &[
        super::STATEMENTS,
        super::chat::STATEMENTS,
        super::completion::STATEMENTS,
        super::detail::STATEMENTS,
        super::failed_pushes::STATEMENTS,
        super::groups::STATEMENTS,
        super::import::STATEMENTS,
        super::import::upserts::STATEMENTS,
        super::issues::STATEMENTS,
        super::links::STATEMENTS,
        super::metrics::STATEMENTS,
        super::moves::STATEMENTS,
        super::outbox::STATEMENTS,
        super::people::STATEMENTS,
        super::planning::STATEMENTS,
        super::prompts::STATEMENTS,
        super::proposals::queue::STATEMENTS,
        super::proposals::apply::STATEMENTS,
        super::proposals::changes::STATEMENTS,
        super::proposals::new_issues::STATEMENTS,
        super::read::STATEMENTS,
        super::runs::STATEMENTS,
        super::search::STATEMENTS,
        super::snapshots::STATEMENTS,
        super::sprints::STATEMENTS,
        super::sync_queue::STATEMENTS,
        super::sync_state::STATEMENTS,
        super::webhooks::STATEMENTS,
    ];
    let mut out: Vec<Statement> = fixed
        .iter()
        .flat_map(|(module, list)| {
            list.iter().map(|(name, sql)| Statement {
                module,
                name,
                sql: (*sql).to_owned(),
            })
        })
        .collect();
    out.extend(super::detail::examples());
    out.extend(super::groups::examples());
    out.extend(super::links::examples());
    out.extend(super::import::examples());
    out.extend(super::read::examples());
    out.extend(super::sync_queue::examples());
    out.extend(super::sync_state::examples());
    out
}
