//! The store owns every SQL string, and every one is checked against the schema: each registered
//! statement (fixed ones, and instances of the dynamic ones) prepares on a freshly migrated
//! database; the query language runs with every operator and order; the sources keep SQL in the
//! registered blocks of `src/store/` and run none elsewhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sprintdeck::domain::query;
use sprintdeck::store::filter::{self, FilterContext};
use sprintdeck::store::{read, sql};
use sqlx::Executor;

use crate::common::{empty_store, now};

#[tokio::test]
async fn every_registered_statement_prepares_against_the_migrated_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let mut conn = store.pool().acquire().await.expect("connection");
    let statements = sql::all();
    let mut failed = Vec::new();
    for s in &statements {
        if let Err(e) = conn
            .prepare(sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(
                s.sql.clone(),
            )))
            .await
        {
            failed.push(format!("{}::{}: {e}\n  {}", s.module, s.name, s.sql));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} statements do not prepare:\n{}",
        failed.len(),
        statements.len(),
        failed.join("\n")
    );
    // Reads and writes of every kind are in the register, dynamic ones included.
    for (module, name) in [
        ("sprintdeck::store::read", "BACKLOG_SELECT"),
        ("sprintdeck::store::read", "grouped_page"),
        ("sprintdeck::store::import::upserts", "issues"),
        ("sprintdeck::store::detail", "set_override"),
        ("sprintdeck::store::proposals::changes", "SET_STATUS"),
        ("sprintdeck::store::outbox", "MARK_SENT"),
    ] {
        assert!(
            statements
                .iter()
                .any(|s| s.module == module && s.name == name),
            "{module}::{name} is registered"
        );
    }
    drop(conn);
    store.close().await.expect("closes");
}

#[tokio::test]
async fn preparing_catches_a_misspelt_column_or_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let mut conn = store.pool().acquire().await.expect("connection");
    for wrong in [
        "SELECT usrname FROM people",
        "SELECT username FROM peple",
        "UPDATE issues SET stauts = ? WHERE id = ?",
    ] {
        let err = conn
            .prepare(sqlx::SqlSafeStr::into_sql_str(wrong))
            .await
            .expect_err(wrong);
        assert!(err.to_string().contains("no such"), "{wrong}: {err}");
    }
    drop(conn);
    store.close().await.expect("closes");
}

#[tokio::test]
async fn every_filter_operator_and_order_runs_on_an_empty_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    for q in [
        "word \"a phrase\" status:doing status:\"In Review\" assignee:me assignee:none label:x project:OPS",
        "type:bug sprint:current sprint:next sprint:none sprint:\"Sprint 1\" epic:OPS-1 priority:high priority:p9",
        "is:open is:closed is:overdue is:blocked is:unestimated points:>=5 -label:y key:A-1,B-2",
        "created:>7d updated:<2026-01-01 closed:2026-01-01..2026-02-01 due:<7d due:=2026-05-05 in-progress:>5d % sort:key-desc",
    ] {
        for sort in [
            "",
            " sort:type",
            " sort:title",
            " sort:status",
            " sort:assignee",
            " sort:points",
            " sort:sprint",
            " sort:priority",
            " sort:created",
            " sort:due",
        ] {
            let text = format!("{q}{sort}");
            let compiled = filter::compile(
                &query::parse(&text).expect("parses"),
                &FilterContext {
                    now: now(),
                    me: None,
                },
            )
            .expect("compiles");
            read::backlog(store.pool(), &compiled, Some(5))
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            read::backlog_count(store.pool(), &compiled)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }
    store.close().await.expect("closes");
}

#[test]
fn no_sql_runs_outside_the_store() {
    let mut found = Vec::new();
    for file in rust_files(&root().join("src")) {
        let rel = relative(&file);
        if rel.starts_with("src/store/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        for (n, line) in text.lines().enumerate() {
            if ["sqlx::query", "query_as(", "query_scalar(", "QueryBuilder"]
                .iter()
                .any(|p| line.contains(p))
            {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
        for (at, literal) in literals(&text) {
            if starts_a_statement(&literal) {
                found.push(format!("{rel}:{}: {literal}", line_of(&text, at)));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL belongs in src/store/ (a function named for what it reads or writes):\n{}",
        found.join("\n")
    );
}

#[test]
fn sql_in_the_store_is_declared_in_registered_blocks() {
    let registered: BTreeSet<&str> = sql::all().iter().map(|s| s.module).collect();
    let mut outside = Vec::new();
    let mut unlisted = Vec::new();
    for file in rust_files(&root().join("src/store")) {
        let rel = relative(&file);
        let text = std::fs::read_to_string(&file).expect("source");
        let blocks = blocks(&text);
        for (at, literal) in literals(&text) {
            let inside = blocks.iter().any(|(a, b)| (*a..*b).contains(&at));
            // A format template (`{…}`) is dynamic SQL: its function's instances are examples.
            if !inside && starts_a_statement(&literal) && !literal.contains('{') {
                outside.push(format!("{rel}:{}: {literal}", line_of(&text, at)));
            }
        }
        if text.contains("statements! {") && !registered.contains(module_path_of(&rel).as_str()) {
            unlisted.push(rel);
        }
    }
    assert!(
        outside.is_empty(),
        "declare SQL in the module's statements! block (or fragments! for pieces):\n{}",
        outside.join("\n")
    );
    assert!(
        unlisted.is_empty(),
        "list these modules in store::sql::all: {unlisted:?}"
    );
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn relative(file: &Path) -> String {
    file.strip_prefix(root())
        .expect("under the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `src/store/import/mod.rs` → `sprintdeck::store::import`.
fn module_path_of(rel: &str) -> String {
    let trimmed = rel
        .trim_start_matches("src/")
        .trim_end_matches(".rs")
        .trim_end_matches("/mod");
    format!("sprintdeck::{}", trimmed.replace('/', "::"))
}

/// SQL text: a statement keyword and more (a bare `DELETE` is an HTTP method).
fn starts_a_statement(literal: &str) -> bool {
    let Some((first, rest)) = literal.trim_start().split_once(char::is_whitespace) else {
        return false;
    };
    !rest.trim().is_empty()
        && [
            "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE", "PRAGMA", "CREATE", "DROP",
            "ALTER",
        ]
        .contains(&first)
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The string literals of Rust source (contents as written) with their offsets; comments and
/// char literals are skipped.
fn literals(text: &str) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'\'' => {
                // A char literal ('x', '\n', '"'), else a lifetime.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                out.push((start, text[start + 1..i].to_owned()));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Byte ranges of the `statements! { … }` and `fragments! { … }` blocks.
fn blocks(text: &str) -> Vec<(usize, usize)> {
    let literals = literals(text);
    let in_literal = |at: usize| {
        literals
            .iter()
            .any(|(start, body)| at > *start && at <= start + body.len() + 1)
    };
    let mut out = Vec::new();
    for head in ["statements! {", "fragments! {"] {
        for (start, _) in text.match_indices(head) {
            let mut depth = 0;
            for (at, c) in text[start..].char_indices() {
                let at = start + at;
                if in_literal(at) {
                    continue;
                }
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            out.push((start, at));
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}
