use chrono::NaiveDate;
use rstest::rstest;
use sprintdeck::domain::query::{
    self, Cmp, DateCondition, DateField, Filter, IsFlag, PersonMatch, Query, Sort, SortField,
    SprintMatch, StatusMatch, Term,
};
use sprintdeck::domain::{IssueType, StatusCategory};
use sprintdeck::store::Store;
use sprintdeck::store::filter::{self, FilterContext, FilterError};
use sprintdeck::store::read::{self, IssueRow};

use crate::common::{demo_store, now, query_rows};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn one(filter: Filter) -> Query {
    Query {
        terms: vec![Term {
            negated: false,
            filter,
        }],
        sort: None,
    }
}

#[rstest]
#[case("login", one(Filter::Text { text: "login".into(), phrase: false }))]
#[case("\"log in\"", one(Filter::Text { text: "log in".into(), phrase: true }))]
#[case(
    "status:doing",
    one(Filter::Status(StatusMatch::Category(StatusCategory::InProgress)))
)]
#[case("status:\"In Review\"", one(Filter::Status(StatusMatch::Name("In Review".into()))))]
#[case("assignee:@me", one(Filter::Assignee(PersonMatch::Me)))]
#[case("assignee:none", one(Filter::Assignee(PersonMatch::Nobody)))]
#[case("assignee:@ana.souza", one(Filter::Assignee(PersonMatch::Name("ana.souza".into()))))]
#[case("label:\"needs review\"", one(Filter::Label("needs review".into())))]
#[case("project:web/shop", one(Filter::Project("web/shop".into())))]
#[case("type:Bug", one(Filter::Type(IssueType::Bug)))]
#[case("sprint:current", one(Filter::Sprint(SprintMatch::Current)))]
#[case("sprint:next", one(Filter::Sprint(SprintMatch::Next)))]
#[case("sprint:\"Sprint 45\"", one(Filter::Sprint(SprintMatch::Name("Sprint 45".into()))))]
#[case("epic:OPS-3", one(Filter::Epic("OPS-3".into())))]
#[case("priority:high", one(Filter::Priority("high".into())))]
#[case("is:overdue", one(Filter::Is(IsFlag::Overdue)))]
#[case("is:blocked", one(Filter::Is(IsFlag::Blocked)))]
#[case("is:unestimated", one(Filter::Is(IsFlag::Unestimated)))]
#[case("points:>=5", one(Filter::Points(Cmp::Ge, 5.0)))]
#[case("points:3", one(Filter::Points(Cmp::Eq, 3.0)))]
#[case("created:>7d", one(Filter::Date(DateField::Created, DateCondition::Age(Cmp::Gt, 7 * 86_400))))]
#[case(
    "updated:<2026-01-01",
    one(Filter::Date(DateField::Updated, DateCondition::Day(Cmp::Lt, day("2026-01-01"))))
)]
#[case(
    "closed:2026-01-01..2026-02-01",
    one(Filter::Date(
        DateField::Closed,
        DateCondition::Range(day("2026-01-01"), day("2026-02-01"))
    ))
)]
#[case("due:<2w", one(Filter::Date(DateField::Due, DateCondition::Age(Cmp::Lt, 14 * 86_400))))]
#[case("in-progress:>5d", one(Filter::InProgress(Cmp::Gt, 5 * 86_400)))]
#[case("updated:<30m", one(Filter::Date(DateField::Updated, DateCondition::Age(Cmp::Lt, 30 * 60))))]
#[case(
    "created:>1h30m",
    one(Filter::Date(DateField::Created, DateCondition::Age(Cmp::Gt, 5400)))
)]
#[case("in-progress:>90m", one(Filter::InProgress(Cmp::Gt, 90 * 60)))]
#[case("key:OPS-1,web/shop#2", one(Filter::Keys(vec!["OPS-1".into(), "web/shop#2".into()])))]
#[case("-label:x", Query { terms: vec![Term { negated: true, filter: Filter::Label("x".into()) }], sort: None })]
#[case("sort:updated-desc", Query { terms: vec![], sort: Some(Sort { field: SortField::Updated, descending: true }) })]
#[case("sort:key", Query { terms: vec![], sort: Some(Sort { field: SortField::Key, descending: false }) })]
fn parses_each_operator(#[case] input: &str, #[case] expected: Query) {
    assert_eq!(query::parse(input).expect("parses"), expected);
}

#[rstest]
#[case("status:", 8, "expected a value after `status:`")]
#[case("login type:saga", 12, "expected a type: epic, story, task or bug")]
#[case(
    "is:stale",
    4,
    "expected open, closed, overdue, blocked or unestimated after `is:`"
)]
#[case("points:>=lots", 10, "expected a number of points, e.g. points:>=5")]
#[case(
    "created:>7x",
    10,
    "expected a date (2026-01-31), an age (>7d, <2w, <30m) or a range (2026-01-01..2026-02-01)"
)]
#[case("closed:2026-02-01..2026-01-01", 20, "the range ends before it starts")]
#[case("a \"unterminated", 3, "unterminated quote: add a closing `\"`")]
#[case("x - y", 3, "expected a term after `-` (for example -label:infra)")]
#[case(
    "sort:colour",
    6,
    "expected a sort field (key, type, title, status, assignee, points, sprint, priority, created, updated, due), optionally with -asc or -desc"
)]
#[case(
    "é statsu:done",
    3,
    "unknown field `statsu:`; did you mean `status:`? fields are status, assignee, label, project, type, sprint, epic, priority, is, points, created, updated, closed, due, in-progress, key, sort; quote the text to search for it"
)]
fn errors_point_at_the_column(#[case] input: &str, #[case] column: usize, #[case] message: &str) {
    let err = query::parse(input).expect_err("invalid");
    assert_eq!(
        (err.column, err.message.as_str()),
        (column, message),
        "{input}"
    );
}

#[test]
fn caret_marks_the_column() {
    let err = query::parse("status:doing type:saga").expect_err("invalid");
    assert_eq!(
        err.caret("status:doing type:saga"),
        "status:doing type:saga\n                  ^ expected a type: epic, story, task or bug"
    );
}

async fn rows(store: &Store, q: &str) -> Vec<IssueRow> {
    query_rows(store, q, Some("ana.souza"), None).await
}

async fn count(store: &Store, q: &str) -> usize {
    rows(store, q).await.len()
}

#[tokio::test]
async fn operators_select_what_they_say_on_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = demo_store(&dir).await;
    let total = count(&s, "").await;
    assert_eq!(total, 1500);

    let doing = rows(&s, "status:doing").await;
    assert!(!doing.is_empty() && doing.iter().all(|r| r.status_category == "in_progress"));
    let named = rows(&s, "status:\"in review\"").await;
    assert!(!named.is_empty() && named.iter().all(|r| r.status == "In Review"));
    let mine = rows(&s, "assignee:@me").await;
    assert!(
        !mine.is_empty()
            && mine
                .iter()
                .all(|r| r.assignees.as_deref().unwrap_or("").contains("ana.souza"))
    );
    let nobody = rows(&s, "assignee:none").await;
    assert!(!nobody.is_empty() && nobody.iter().all(|r| r.assignees.is_none()));
    let infra = rows(&s, "label:infra").await;
    assert!(
        !infra.is_empty()
            && infra
                .iter()
                .all(|r| r.labels.as_deref().unwrap_or("").contains("infra"))
    );
    let ops = rows(&s, "project:ops").await;
    assert!(!ops.is_empty() && ops.iter().all(|r| r.key.starts_with("OPS-")));
    let bugs = rows(&s, "type:bug").await;
    assert!(!bugs.is_empty() && bugs.iter().all(|r| r.issue_type == "bug"));
    let current = rows(&s, "sprint:current").await;
    assert!(
        !current.is_empty()
            && current
                .iter()
                .all(|r| r.sprint.as_deref() == Some("Sprint 47"))
    );
    let next = rows(&s, "sprint:next").await;
    assert!(
        !next.is_empty()
            && next
                .iter()
                .all(|r| r.sprint.as_deref() == Some("Sprint 48"))
    );
    assert_eq!(
        count(&s, "sprint:\"sprint 45\"").await,
        count(&s, "sprint:\"Sprint 45\"").await
    );
    let high = rows(&s, "priority:high").await;
    assert!(!high.is_empty() && high.iter().all(|r| r.priority.as_deref() == Some("High")));
    let big = rows(&s, "points:>=5").await;
    assert!(!big.is_empty() && big.iter().all(|r| r.story_points.is_some_and(|p| p >= 5.0)));
    let unestimated = rows(&s, "is:unestimated").await;
    assert!(!unestimated.is_empty() && unestimated.iter().all(|r| r.story_points.is_none()));
    let overdue = rows(&s, "is:overdue").await;
    assert!(
        !overdue.is_empty()
            && overdue
                .iter()
                .all(|r| r.due_date.as_deref() < Some("2026-11-18") && r.status_category != "done")
    );
    assert!(count(&s, "is:blocked").await > 0);
    let old = rows(&s, "created:>30d").await;
    assert!(
        !old.is_empty()
            && old
                .iter()
                .all(|r| r.created_at.as_str() < "2026-10-19T12:00:00Z")
    );
    let recent = rows(&s, "updated:<2d").await;
    assert!(
        !recent.is_empty()
            && recent
                .iter()
                .all(|r| r.updated_at.as_str() > "2026-11-16T12:00:00Z")
    );
    let october = rows(&s, "closed:2026-10-01..2026-10-31").await;
    assert!(
        !october.is_empty()
            && october.iter().all(|r| r
                .closed_at
                .as_deref()
                .is_some_and(|c| ("2026-10-01".."2026-11-01").contains(&c)))
    );
    let soon = rows(&s, "due:<7d is:open").await;
    assert!(
        soon.iter()
            .all(|r| r.due_date.as_deref() < Some("2026-11-25"))
    );
    let stale = rows(&s, "in-progress:>5d").await;
    assert!(!stale.is_empty() && stale.iter().all(|r| r.status_category == "in_progress"));
    let epic_children = rows(&s, "epic:OPS-3").await;
    assert!(epic_children.iter().all(|r| r.parent_key.is_some()));

    // Free text: words are prefixes, phrases are exact, and both combine with fields.
    let checkout = rows(&s, "checkout").await;
    assert!(!checkout.is_empty());
    assert!(count(&s, "checkout type:bug").await <= checkout.len());
    assert!(count(&s, "\"dark mode\"").await > 0);
    assert!(
        count(&s, "商品一覧ページ").await > 0,
        "CJK text is searchable"
    );
    assert_eq!(count(&s, "OPS-12").await, 1, "a key finds its issue");
    let exact = rows(&s, "key:OPS-12,web/shop#3,NOPE-1").await;
    let mut keys: Vec<&str> = exact.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["OPS-12", "web/shop#3"]);

    // Negation is the exact complement, NULLs included.
    for field in [
        "label:infra",
        "points:>=5",
        "assignee:@me",
        "is:blocked",
        "checkout",
        "due:<7d",
    ] {
        let with = count(&s, field).await;
        let without = count(&s, &format!("-{field}")).await;
        assert_eq!(with + without, total, "{field}");
    }

    // Sorting.
    let by_points = rows(&s, "sort:points-desc").await;
    assert!(
        by_points
            .windows(2)
            .all(|w| match (w[0].story_points, w[1].story_points) {
                (Some(a), Some(b)) => a >= b,
                (None, Some(_)) => false,
                _ => true,
            })
    );
    let by_key = rows(&s, "project:OPS sort:key").await;
    assert_eq!(by_key[0].key, "OPS-1");
    assert_eq!(by_key[9].key, "OPS-10");
    s.close().await.expect("closes");
}

#[tokio::test]
async fn injection_attempts_match_nothing_and_break_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = demo_store(&dir).await;
    for q in [
        "label:\"x' OR 1=1 --\"",
        "project:\"'; DROP TABLE issues; --\"",
        "status:\"Done' OR '1'='1\"",
        "assignee:\"x\\\" OR 1=1 --\"",
        "\"a\" OR \"b\"",
        "title:x",
    ] {
        let Ok(parsed) = query::parse(q) else {
            continue;
        };
        let compiled = filter::compile(
            &parsed,
            &FilterContext {
                now: now(),
                me: None,
            },
        )
        .expect("compiles");
        let found = read::backlog(s.pool(), &compiled, None)
            .await
            .expect("runs without SQL errors");
        assert!(found.is_empty(), "{q} matched {} issues", found.len());
    }
    // FTS syntax inside free text is inert: NEAR, column filters and stars are just words.
    for q in [
        "NEAR(checkout crash)",
        "title:checkout*",
        "\"\"\"",
        "*",
        "^",
        "AND OR NOT",
    ] {
        let parsed =
            query::parse(&format!("\"{}\"", q.replace('"', "\\\""))).expect("quoted parses");
        let compiled = filter::compile(
            &parsed,
            &FilterContext {
                now: now(),
                me: None,
            },
        )
        .expect("compiles");
        read::backlog(s.pool(), &compiled, None)
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    assert_eq!(count(&s, "").await, 1500, "nothing was dropped or changed");
    s.close().await.expect("closes");
}

#[test]
fn at_me_without_identity_is_a_clear_error() {
    let parsed = query::parse("assignee:@me").expect("parses");
    let err = filter::compile(
        &parsed,
        &FilterContext {
            now: now(),
            me: None,
        },
    )
    .expect_err("no me");
    assert_eq!(err, FilterError::UnknownMe);
    assert!(err.to_string().contains("[ui]"));
}

#[test]
fn the_term_limit_points_at_the_first_term_over_it() {
    let at_limit = vec!["status:doing"; query::MAX_TERMS].join(" ");
    assert_eq!(
        query::parse(&at_limit).expect("at the limit").terms.len(),
        query::MAX_TERMS
    );
    let over = format!("{at_limit} label:x");
    let err = query::parse(&over).expect_err("over");
    assert_eq!(err.column, at_limit.chars().count() + 2, "the 257th term");
    assert_eq!(
        err.message,
        "too many terms (257); a query holds at most 256"
    );
    let ors = vec!["x"; 200].join(" OR ");
    let err = query::parse(&ors).expect_err("over");
    assert!(
        err.message
            .ends_with("(`OR` is searched as a word: every term must hold)")
    );
    // Cut to the part around the column, which the message then names.
    let shown = err.caret(&ors);
    let lines: Vec<&str> = shown.lines().collect();
    assert!(
        lines[0].starts_with('…') && lines[0].ends_with('…'),
        "{shown}"
    );
    assert!(lines[0].chars().count() < 90, "{shown}");
    assert_eq!(lines[1].find('^'), Some(41), "{shown}");
    assert!(
        lines[1].contains(&format!("^ column {}: too many terms", err.column)),
        "{shown}"
    );
}

#[test]
fn the_length_and_key_limits() {
    let long = "x".repeat(query::MAX_CHARS + 1);
    let err = query::parse(&long).expect_err("too long");
    assert_eq!(err.column, query::MAX_CHARS + 1);
    assert_eq!(
        err.message,
        "the query is too long (65537 characters); at most 65536 are read"
    );
    assert!(query::parse(&"y".repeat(query::MAX_CHARS)).is_ok());
    // Short keys, so that the list is within the length limit.
    let keys = vec!["K-1"; query::MAX_KEYS + 1].join(",");
    let err = query::parse(&format!("key:{keys}")).expect_err("too many keys");
    assert_eq!(
        (err.column, err.message.as_str()),
        (5, "too many keys (10001); `key:` names at most 10000")
    );
}

/// The heaviest terms, as many as a query may hold, still run: the limit keeps every query the
/// parser accepts within what `SQLite` can nest.
#[tokio::test]
async fn a_query_at_the_term_limit_runs_on_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let heavy = [
        "-epic:OPS-3",
        "-sprint:next",
        "-is:blocked",
        "-assignee:nobody.here",
        "-project:nothing",
        "-in-progress:>90d",
        "-due:<1w",
        "-points:>=100",
    ];
    let terms: Vec<&str> = heavy
        .iter()
        .copied()
        .cycle()
        .take(query::MAX_TERMS)
        .collect();
    let rows = rows(&store, &terms.join(" ")).await;
    assert!(!rows.is_empty());
}
