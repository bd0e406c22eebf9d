//! The model's JSON is checked with typed serde; the JSON schemas it is shown stay the contract.
//! Both must give the same verdict on every shape, valid and broken: a JSON-schema engine (here,
//! in the tests only) must not catch anything the types let through, nor the other way round.

use serde_json::{Value, json};
use sprintdeck::generator::{chat_tool, strict};

fn schema_verdict(schema: &str, doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(schema).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("a schema");
    validator.iter_errors(doc).map(|e| e.to_string()).collect()
}

/// Every generator fixture, then broken variants of the valid one.
fn backlogs() -> Vec<(String, Value)> {
    let dir = crate::common::fixture("generator");
    let mut docs: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (
                p.display().to_string(),
                serde_json::from_str(&text).expect("json"),
            )
        })
        .collect();
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    let story = json!({"title": "S", "acceptance_criteria": ["a"], "points": 3});
    let backlog =
        |story: Value| json!({"project": "OPS", "epics": [{"title": "E", "stories": [story]}]});
    let mut with = |name: &str, doc: Value| docs.push((name.to_owned(), doc));
    with("minimal", backlog(story.clone()));
    with(
        "null points",
        backlog(json!({"title": "S", "acceptance_criteria": [], "points": null})),
    );
    with(
        "no points",
        backlog(json!({"title": "S", "acceptance_criteria": []})),
    );
    with(
        "points as text",
        backlog(json!({"title": "S", "acceptance_criteria": [], "points": "3"})),
    );
    with(
        "negative points",
        backlog(json!({"title": "S", "acceptance_criteria": [], "points": -1})),
    );
    with(
        "empty story title",
        backlog(json!({"title": "", "acceptance_criteria": [], "points": 1})),
    );
    with(
        "criteria not a list",
        backlog(json!({"title": "S", "acceptance_criteria": "a", "points": 1})),
    );
    with(
        "criterion a number",
        backlog(json!({"title": "S", "acceptance_criteria": [1], "points": 1})),
    );
    with(
        "no criteria key",
        backlog(json!({"title": "S", "points": 1})),
    );
    with(
        "unknown story key",
        backlog(json!({"title": "S", "acceptance_criteria": [], "points": 1, "owner": "x"})),
    );
    with(
        "task without title",
        backlog(
            json!({"title": "S", "acceptance_criteria": [], "points": 1, "tasks": [{"points": 1}]}),
        ),
    );
    with(
        "task negative points",
        backlog(
            json!({"title": "S", "acceptance_criteria": [], "points": 1, "tasks": [{"title": "T", "points": -0.5}]}),
        ),
    );
    with(
        "task unknown key",
        backlog(
            json!({"title": "S", "acceptance_criteria": [], "points": 1, "tasks": [{"title": "T", "done": true}]}),
        ),
    );
    with(
        "labels not strings",
        backlog(json!({"title": "S", "acceptance_criteria": [], "points": 1, "labels": [true]})),
    );
    with("no project", json!({"epics": []}));
    with("empty project", json!({"project": "", "epics": []}));
    with("no epics", json!({"project": "OPS"}));
    with(
        "questions only",
        json!({"project": "OPS", "questions": ["who?"], "epics": []}),
    );
    with(
        "empty question",
        json!({"project": "OPS", "questions": [""], "epics": []}),
    );
    with(
        "epic without stories",
        json!({"project": "OPS", "epics": [{"title": "E"}]}),
    );
    with(
        "epic empty title",
        json!({"project": "OPS", "epics": [{"title": "", "stories": []}]}),
    );
    with(
        "epic description a number",
        json!({"project": "OPS", "epics": [{"title": "E", "description": 3, "stories": []}]}),
    );
    with(
        "top-level extra",
        json!({"project": "OPS", "epics": [], "notes": "x"}),
    );
    with("an array", json!([]));
    docs
}

#[test]
fn the_typed_backlog_check_agrees_with_the_published_schema() {
    let schema = sprintdeck::generator::backlog::SCHEMA;
    let mut valid = 0;
    for (name, doc) in backlogs() {
        let by_schema = schema_verdict(schema, &doc);
        let by_types = strict::backlog_problems(&doc.to_string());
        assert_eq!(
            by_schema.is_empty(),
            by_types.is_empty(),
            "{name}: schema says {by_schema:?}, types say {by_types:?}"
        );
        valid += usize::from(by_types.is_empty());
    }
    assert!(valid >= 5, "the valid shapes are among them ({valid})");
}

fn create(extra: &[(&str, Value)]) -> Value {
    let mut c = json!({"op": "create", "temp_key": "new-1", "issue_type": "story", "title": "T", "project": "OPS"});
    for (k, v) in extra {
        c[*k] = v.clone();
    }
    c
}

#[test]
fn the_typed_tool_check_agrees_with_the_tools_schema() {
    let call = |changes: Value| json!({"title": "Split it", "changes": changes});
    let many: Vec<Value> = (0..201)
        .map(|n| json!({"op": "comment", "key": "OPS-1", "body": format!("{n}")}))
        .collect();
    let cases: Vec<(&str, Value)> = vec![
        ("create", call(json!([create(&[])]))),
        (
            "create with everything",
            call(json!([create(&[
                ("description", json!("d")),
                ("acceptance_criteria", json!(["a"])),
                ("points", json!(2)),
                ("labels", json!(["x"])),
                ("parent", json!("OPS-1")),
            ])])),
        ),
        (
            "create null points",
            call(json!([create(&[("points", Value::Null)])])),
        ),
        (
            "create negative points",
            call(json!([create(&[("points", json!(-1))])])),
        ),
        (
            "create bad temp key",
            call(json!([create(&[("temp_key", json!("tmp-1"))])])),
        ),
        (
            "create temp key without number",
            call(json!([create(&[("temp_key", json!("new-"))])])),
        ),
        (
            "create unknown type",
            call(json!([create(&[("issue_type", json!("saga"))])])),
        ),
        (
            "create empty title",
            call(json!([create(&[("title", json!(""))])])),
        ),
        (
            "create unknown key",
            call(json!([create(&[("sprint", json!("S1"))])])),
        ),
        (
            "create no title",
            call(json!([{"op": "create", "temp_key": "new-1", "issue_type": "task"}])),
        ),
        (
            "set status",
            call(json!([{"op": "set_status", "key": "OPS-1", "to": "Done"}])),
        ),
        (
            "set status no to",
            call(json!([{"op": "set_status", "key": "OPS-1"}])),
        ),
        (
            "set field",
            call(json!([{"op": "set_field", "key": "OPS-1", "field": "points", "to": "5"}])),
        ),
        (
            "set field null",
            call(json!([{"op": "set_field", "key": "OPS-1", "field": "due", "to": null}])),
        ),
        (
            "set field no to",
            call(json!([{"op": "set_field", "key": "OPS-1", "field": "due"}])),
        ),
        (
            "set field unknown",
            call(json!([{"op": "set_field", "key": "OPS-1", "field": "colour", "to": "red"}])),
        ),
        (
            "set field number",
            call(json!([{"op": "set_field", "key": "OPS-1", "field": "points", "to": 5}])),
        ),
        (
            "move",
            call(json!([{"op": "move_to_sprint", "key": "OPS-1", "to": "Sprint 48"}])),
        ),
        (
            "remove",
            call(json!([{"op": "remove_from_sprint", "key": "OPS-1"}])),
        ),
        (
            "remove extra",
            call(json!([{"op": "remove_from_sprint", "key": "OPS-1", "to": "x"}])),
        ),
        (
            "link",
            call(json!([{"op": "link", "from": "OPS-1", "to": "OPS-2"}])),
        ),
        (
            "unlink",
            call(json!([{"op": "unlink", "from": "OPS-1", "to": "OPS-2"}])),
        ),
        ("link no to", call(json!([{"op": "link", "from": "OPS-1"}]))),
        (
            "comment",
            call(json!([{"op": "comment", "key": "OPS-1", "body": "hi"}])),
        ),
        (
            "comment empty",
            call(json!([{"op": "comment", "key": "OPS-1", "body": ""}])),
        ),
        ("unknown op", call(json!([{"op": "delete_everything"}]))),
        ("no op", call(json!([{"key": "OPS-1"}]))),
        ("no changes", call(json!([]))),
        ("201 changes", call(Value::Array(many))),
        (
            "no title",
            json!({"changes": [{"op": "remove_from_sprint", "key": "OPS-1"}]}),
        ),
        (
            "empty title",
            json!({"title": "", "changes": [{"op": "remove_from_sprint", "key": "OPS-1"}]}),
        ),
        (
            "151-character title",
            json!({"title": "x".repeat(151), "changes": [{"op": "remove_from_sprint", "key": "OPS-1"}]}),
        ),
        (
            "150-character title",
            json!({"title": "é".repeat(150), "changes": [{"op": "remove_from_sprint", "key": "OPS-1"}]}),
        ),
        (
            "explanation",
            json!({"title": "t", "explanation": "why", "changes": [{"op": "remove_from_sprint", "key": "OPS-1"}]}),
        ),
        (
            "explanation a number",
            json!({"title": "t", "explanation": 1, "changes": [{"op": "remove_from_sprint", "key": "OPS-1"}]}),
        ),
        (
            "top-level extra",
            json!({"title": "t", "changes": [{"op": "remove_from_sprint", "key": "OPS-1"}], "x": 1}),
        ),
    ];
    for (name, doc) in cases {
        let by_schema = schema_verdict(chat_tool::SCHEMA, &doc);
        let by_types = chat_tool::problems(&doc.to_string());
        assert_eq!(
            by_schema.is_empty(),
            by_types.is_empty(),
            "{name}: schema says {by_schema:?}, types say {by_types:?}"
        );
    }
}

#[test]
fn the_repair_message_names_each_problem_and_where() {
    let answer = json!({"project": "OPS", "epics": [{"title": "E", "stories": [
        {"title": "", "acceptance_criteria": [], "points": -3},
    ]}]})
    .to_string();
    assert_eq!(
        sprintdeck::generator::run::problems(&answer).expect_err("refused"),
        [
            "must not be empty at epics[0].stories[0].title",
            "must be 0 or more at epics[0].stories[0].points"
        ]
    );
    let unknown =
        chat_tool::problems(r#"{"title": "x", "changes": [{"op": "delete_everything"}]}"#);
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(
        unknown[0].starts_with("unknown variant `delete_everything`, expected one of `create`")
            && unknown[0].ends_with("at changes[0].op"),
        "{unknown:?}"
    );
}
