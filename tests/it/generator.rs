//! Generated backlogs: the published schema, each validation rule with a passing and a failing
//! fixture, duplicates of demo issues, and the backlog applied as a proposal creating its
//! hierarchy.

use std::fmt::Write as _;

use sprintdeck::domain::proposal::{Change, Kind};
use sprintdeck::generator::{Backlog, Level, Rules, rules};
use sprintdeck::store::proposals::{self, NewProposal};

use crate::common::{demo_store, fixture, now};

fn raw(name: &str) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("generator/{name}.json"))).expect("fixture"),
    )
    .expect("json")
}

fn load(name: &str) -> Backlog {
    serde_json::from_value(raw(name)).expect("a backlog")
}

fn schema_errors(value: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(sprintdeck::generator::backlog::SCHEMA).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("a schema");
    validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn the_published_schema_takes_the_valid_backlog_and_refuses_other_shapes() {
    assert!(schema_errors(&raw("valid")).is_empty());
    let errors = schema_errors(&raw("not-the-schema"));
    assert!(errors.iter().any(|e| e.contains("extra")), "{errors:?}");
}

#[rstest::rstest]
#[case("valid", None)]
#[case("too-big", Some(("needs_split", Level::Error)))]
#[case("no-criteria", Some(("acceptance_criteria", Level::Error)))]
#[case("long-title", Some(("summary_length", Level::Error)))]
#[case("other-project", Some(("one_project", Level::Error)))]
#[case("unestimated", Some(("unestimated", Level::Warning)))]
fn each_rule_passes_the_valid_backlog_and_catches_its_case(
    #[case] name: &str,
    #[case] expected: Option<(&str, Level)>,
) {
    let found = rules::check(&load(name), &Rules::default(), "OPS");
    match expected {
        None => assert!(found.is_empty(), "{found:?}"),
        Some((rule, level)) => {
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!((found[0].rule, found[0].level), (rule, level));
            assert_eq!(rules::applicable(&found), level == Level::Warning);
        }
    }
}

/// A generation for project OPS against the mock at `url` speaking `provider`'s protocol: its
/// outcome and the text streamed on the way.
async fn generate_in_process(
    store: &sprintdeck::store::Store,
    provider: &str,
    url: &str,
) -> (sprintdeck::generator::run::Outcome, String) {
    let profile: sprintdeck::config::LlmProfile = toml::from_str(&format!(
        "provider = \"{provider}\"\nbase_url = \"{url}\"\nmodel = \"m\""
    ))
    .expect("profile");
    let provider = sprintdeck::llm::provider(&profile, None).expect("provider");
    let request = sprintdeck::generator::run::Request::new(
        sprintdeck::generator::run::TEMPLATE.to_owned(),
        "invoice export".to_owned(),
        "OPS".to_owned(),
    );
    let mut streamed = String::new();
    let outcome = sprintdeck::generator::run::generate(
        provider.as_ref(),
        store.pool(),
        &request,
        &Rules::default(),
        &sprintdeck::sync::http::tokio_sleeper(),
        &mut |p| {
            if let sprintdeck::generator::run::Progress::Text(t) = p {
                streamed.push_str(&t);
            }
        },
    )
    .await
    .expect("generated");
    (outcome, streamed)
}

/// The first story of the demo: its key and title.
async fn demo_story(store: &sprintdeck::store::Store) -> (String, String) {
    sqlx::query_as(
        "SELECT key, title FROM issues WHERE issue_type = 'story' AND gone_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("a story")
}

#[tokio::test]
async fn a_story_like_an_existing_issue_is_flagged_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (key, title) = demo_story(&store).await;
    let mut backlog = load("valid");
    let clean = rules::duplicates(store.pool(), &backlog, &Rules::default())
        .await
        .expect("query");
    assert!(clean.is_empty(), "{clean:?}");
    backlog.epics[0].stories[0].title.clone_from(&title);
    let found = rules::duplicates(store.pool(), &backlog, &Rules::default())
        .await
        .expect("query");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].level, Level::Warning);
    // The demo reuses titles: any issue with this one is the right answer.
    let same: Vec<String> = sqlx::query_scalar("SELECT key FROM issues WHERE title = ?")
        .bind(&title)
        .fetch_all(store.pool())
        .await
        .expect("keys");
    assert!(same.contains(&key));
    assert!(
        same.iter()
            .any(|k| found[0].message.contains(&format!("like {k} ("))),
        "{}",
        found[0].message
    );
}

#[tokio::test]
async fn an_applied_backlog_creates_its_hierarchy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let changes = load("valid").changes(None);
    assert_eq!(changes.len(), 4, "an epic, a story, two tasks");
    assert!(
        matches!(&changes[1], Change::Create { parent: Some(p), .. } if p == "new-1"),
        "{changes:?}"
    );
    let proposal = NewProposal {
        kind: Kind::Backlog,
        title: "Invoice export".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes,
        author: "llm:test".into(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    };
    proposals::create_and_apply(&store, proposal, false, now())
        .await
        .expect("applies");
    let tree: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT i.issue_type, i.title, p.title FROM issues i LEFT JOIN issues p ON p.id = i.parent_id \
         WHERE i.remote_id LIKE 'local:%' ORDER BY i.id",
    )
    .fetch_all(store.pool())
    .await
    .expect("tree");
    assert_eq!(
        tree,
        [
            ("epic".into(), "Invoice export".into(), None),
            (
                "story".into(),
                "Export a month of invoices as CSV".into(),
                Some("Invoice export".into())
            ),
            (
                "task".into(),
                "Write the CSV writer".into(),
                Some("Export a month of invoices as CSV".into())
            ),
            (
                "task".into(),
                "Add the export button".into(),
                Some("Export a month of invoices as CSV".into())
            ),
        ]
    );
}

/// An `OpenAI` stream carrying `text`: the recorded stream's chunk shape with the content cut
/// into pieces, then its own final usage chunk and `[DONE]`.
pub fn openai_stream(text: &str) -> String {
    let recorded = std::fs::read_to_string(fixture("llm/chat-stream.gpt-4.1-nano.DERIVED.sse"))
        .expect("fixture");
    let events: Vec<&str> = recorded
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .collect();
    let template: serde_json::Value =
        serde_json::from_str(events[1].trim_start_matches("data: ")).expect("a content chunk");
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(40) {
        let mut chunk = template.clone();
        chunk["choices"][0]["delta"]["content"] =
            serde_json::json!(piece.iter().collect::<String>());
        let _ = write!(out, "data: {chunk}\n\n");
    }
    for tail in &events[events.len() - 2..] {
        out.push_str(tail);
        out.push_str("\n\n");
    }
    out
}

#[tokio::test]
async fn generate_repairs_an_invalid_answer_once_and_keeps_a_backlog_proposal() {
    let valid = std::fs::read_to_string(fixture("generator/valid.json")).expect("fixture");
    let sse = [("content-type", "text/event-stream")];
    let (url, seen) = crate::llm::serve(vec![
        crate::llm::Reply::new(
            200,
            &sse,
            openai_stream("Here you go: {\"project\": \"OPS\", \"epics\": ["),
        ),
        crate::llm::Reply::new(200, &sse, openai_stream(&format!("```json\n{valid}\n```"))),
    ])
    .await;
    let env = crate::common::BinaryEnv::new(
        &format!("[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"),
        ("SPRINTDECK_UNUSED", ""),
    );
    let out = env
        .run(&[
            "generate",
            "--project",
            "OPS",
            "--idea",
            "invoice export for accountants",
            "--json",
        ])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        seen.requests.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one repair"
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(p["kind"], "backlog");
    assert_eq!(p["state"], "pending");
    assert_eq!(p["changes"].as_array().map(Vec::len), Some(4));
    assert!(
        p["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e.as_str().is_some_and(|e| e.starts_with("2 attempt(s)"))),
        "{p}"
    );
    let id = p["id"].as_i64().expect("id").to_string();
    let applied = env.run(&["proposals", "apply", &id]).await;
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    // The team's own template replaces the built-in one; its hash goes with the run.
    let own = "Make a backlog for {{ project }} as JSON:\n{{ schema }}\n";
    let dir = env.dir.path().join("prompts/generator");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("backlog.md"), own).expect("template");
    let out = env
        .run(&[
            "generate",
            "--project",
            "OPS",
            "--idea",
            "invoice export",
            "--json",
        ])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hash = sprintdeck::store::prompts::sha256(own.as_bytes());
    let wanted = format!("template sha256:{}", &hash[..16]);
    assert!(
        p["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e.as_str() == Some(wanted.as_str())),
        "{p}"
    );
}

#[tokio::test]
async fn a_backlog_with_rule_errors_cannot_be_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let backlog = load("too-big");
    let violations = rules::check(&backlog, &Rules::default(), "OPS");
    assert!(!rules::applicable(&violations));
    let proposal = NewProposal {
        kind: Kind::Backlog,
        title: "too big".into(),
        explanation: String::new(),
        evidence: Vec::new(),
        changes: backlog.changes(None),
        author: "llm:test".into(),
        expires_at: None,
        fingerprint: None,
        severity: Some("high".into()),
    };
    let err = proposals::create_and_apply(&store, proposal, false, now())
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("breaks the [generator] rules"),
        "{err}"
    );
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM issues WHERE remote_id LIKE 'local:%'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(created, 0);
}

pub fn text_of(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("generator/{name}.json"))).expect("fixture")
}

pub fn sse_reply(text: &str) -> crate::llm::Reply {
    crate::llm::Reply::new(
        200,
        &[("content-type", "text/event-stream")],
        openai_stream(text),
    )
}

fn llm_config(url: &str) -> String {
    format!("[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n")
}

async fn generate_json(env: &crate::common::BinaryEnv, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["generate", "--json"];
    args.extend_from_slice(extra);
    let out = env.run(&args).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn story_titles(p: &serde_json::Value) -> Vec<String> {
    p["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["issue_type"] == "story")
        .map(|c| c["title"].as_str().expect("title").to_owned())
        .collect()
}

/// The binary, configured for a mock provider answering with these generator fixtures in turn.
async fn cli_env(answers: &[&str]) -> (crate::common::BinaryEnv, std::sync::Arc<crate::llm::Seen>) {
    let (url, seen) =
        crate::llm::serve(answers.iter().map(|a| sse_reply(&text_of(a))).collect()).await;
    let env = crate::common::BinaryEnv::new(&llm_config(&url), ("SPRINTDECK_UNUSED", ""));
    (env, seen)
}

/// The text of the `n`-th request's last user message.
fn last_user(seen: &crate::llm::Seen, n: usize) -> String {
    let bodies = seen.bodies.lock().expect("bodies");
    bodies[n]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .expect("a user message")
        .to_owned()
}

#[tokio::test]
async fn an_oversized_story_is_sent_back_to_be_split() {
    let (env, seen) = cli_env(&["too-big", "split"]).await;
    let p = generate_json(&env, &["--project", "OPS", "--idea", "invoice export"]).await;
    assert_eq!(
        story_titles(&p),
        [
            "Export one month of invoices as CSV",
            "Format amounts for the booking tool"
        ]
    );
    let explanation = p["explanation"].as_str().expect("explanation");
    assert!(
        explanation
            .contains("split \"Export a month of invoices as CSV\" (13 points) into 2 stories"),
        "{explanation}"
    );
    assert!(!explanation.contains("needs_split"), "{explanation}");
    assert_eq!(p["severity"], serde_json::Value::Null);
    // The backlog was asked for against the schema, enforced by the provider's response_format.
    let first = seen.bodies.lock().expect("bodies")[0].clone();
    assert_eq!(first["response_format"]["type"], "json_schema");
    assert_eq!(first["response_format"]["json_schema"]["name"], "backlog");
    assert!(first["response_format"]["json_schema"]["schema"]["properties"]["epics"].is_object());
    let split = last_user(&seen, 1);
    assert!(split.contains("too big (13 points; at most 8"), "{split}");
    assert!(
        split.contains("Export a month of invoices as CSV"),
        "{split}"
    );
}

#[tokio::test]
async fn a_split_that_still_breaks_the_size_rule_leaves_the_story_needing_a_split() {
    let (env, _) = cli_env(&["too-big", "still-too-big"]).await;
    let p = generate_json(&env, &["--project", "OPS", "--idea", "invoice export"]).await;
    assert_eq!(story_titles(&p), ["Export a month of invoices as CSV"]);
    let explanation = p["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains(
            "could not split \"Export a month of invoices as CSV\": a part is still 13 points"
        ),
        "{explanation}"
    );
    assert!(
        explanation.contains("error epics[0].stories[0] needs_split"),
        "{explanation}"
    );
    assert_eq!(p["severity"], "high");
    let id = p["id"].as_i64().expect("id").to_string();
    let applied = env.run(&["proposals", "apply", &id]).await;
    assert!(!applied.status.success());
    assert!(
        String::from_utf8_lossy(&applied.stderr).contains("breaks the [generator] rules"),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
}

#[tokio::test]
async fn questions_come_first_and_their_answers_go_with_the_next_request() {
    let (env, seen) = cli_env(&["questions", "valid"]).await;
    let asked = env
        .run(&["generate", "--project", "OPS", "--idea", "invoice export"])
        .await;
    assert_eq!(asked.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&asked.stdout);
    assert!(
        stdout.contains("1. Who exports invoices: accountants only, or auditors too?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2. Which formats besides CSV are needed?"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&asked.stderr).contains("--answer"));
    let kept: i64 = {
        let p = generate_json(
            &env,
            &[
                "--project",
                "OPS",
                "--idea",
                "invoice export",
                "--answer",
                "accountants only",
                "--answer",
                "CSV is enough",
            ],
        )
        .await;
        assert_eq!(p["state"], "pending");
        p["id"].as_i64().expect("id")
    };
    assert!(kept > 0);
    let sent = last_user(&seen, 1);
    assert!(sent.contains("Answers to your questions:"), "{sent}");
    assert!(
        sent.contains(
            "Q: Who exports invoices: accountants only, or auditors too?\nA: accountants only"
        ),
        "the answer goes with the question kept from the first run: {sent}"
    );
    assert!(sent.contains("A: CSV is enough"), "{sent}");
}

#[tokio::test]
async fn refining_replaces_the_pending_proposal_and_shows_what_changed() {
    let (env, seen) = cli_env(&["valid", "refined"]).await;
    let first = generate_json(
        &env,
        &[
            "--project",
            "OPS",
            "--idea",
            "invoice export",
            "--team-size",
            "3",
        ],
    )
    .await;
    let old = first["id"].as_i64().expect("id");
    let old_s = old.to_string();
    let revised = generate_json(
        &env,
        &[
            "--refine",
            &old_s,
            "--instruction",
            "smaller stories, add security",
        ],
    )
    .await;
    let new = revised["id"].as_i64().expect("id");
    assert_ne!(new, old);
    assert_eq!(revised["state"], "pending");
    let explanation = revised["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("~ story Export a month of invoices as CSV (3 points → 2 points)"),
        "{explanation}"
    );
    assert!(
        explanation.contains(
            "+ story Only accountants can export invoices (2 points, under Invoice export)"
        ),
        "{explanation}"
    );
    // The old one is rejected as replaced.
    let shown = env.run(&["proposals", "show", &old_s, "--json"]).await;
    let old_p: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(old_p["state"], "rejected");
    assert_eq!(
        old_p["decision_reason"],
        format!("replaced by proposal {new}")
    );
    // The refinement continued the same conversation: the idea, the backlog, the instruction.
    let bodies = seen.bodies.lock().expect("bodies").clone();
    let messages = bodies[1]["messages"].as_array().expect("messages");
    assert!(
        messages[1]["content"]
            .as_str()
            .expect("idea")
            .contains("invoice export")
    );
    assert!(
        messages[0]["content"]
            .as_str()
            .expect("system")
            .contains("a team of 3")
    );
    assert_eq!(messages[2]["role"], "assistant");
    assert!(
        messages[2]["content"]
            .as_str()
            .expect("previous")
            .contains("Export a month of invoices as CSV")
    );
    assert!(
        messages[3]["content"]
            .as_str()
            .expect("instruction")
            .contains("smaller stories, add security")
    );
    // Both runs are recorded with the template's version, in the audit log too.
    let audit = env.run(&["proposals", "audit", "--json"]).await;
    let rows: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("json");
    let actions: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(actions.contains(&"model run: generate"), "{actions:?}");
    assert!(actions.contains(&"model run: refine"), "{actions:?}");
    // The text form says what each run used.
    let audit = env.run(&["proposals", "audit"]).await;
    let text = String::from_utf8_lossy(&audit.stdout);
    let own = sprintdeck::store::prompts::sha256(sprintdeck::generator::run::TEMPLATE.as_bytes());
    assert!(
        text.contains(&format!("model gpt-4.1-nano · template {}", &own[..8])),
        "{text}"
    );
}

#[test]
fn the_tree_fills_in_while_the_answer_streams() {
    let text = text_of("valid");
    let full: Backlog = serde_json::from_str(&text).expect("backlog");
    let mut seen_stories = 0;
    let mut saw_partial_title = false;
    let chars: Vec<char> = text.chars().collect();
    for end in (1..=chars.len()).step_by(5).chain([chars.len()]) {
        let prefix: String = chars[..end].iter().collect();
        let Some(tree) = sprintdeck::generator::live::partial(&prefix) else {
            continue;
        };
        let stories = tree.stories().count();
        assert!(stories >= seen_stories, "the tree never shrinks");
        seen_stories = stories;
        if let Some(e) = tree.epics.first()
            && !e.title.is_empty()
            && e.title != full.epics[0].title
        {
            // A title being written shows as far as it has come.
            assert!(full.epics[0].title.starts_with(&e.title), "{}", e.title);
            saw_partial_title = true;
        }
    }
    assert!(saw_partial_title);
    assert_eq!(
        sprintdeck::generator::live::partial(&text),
        Some(full),
        "the whole answer reads as the backlog"
    );
    assert_eq!(sprintdeck::generator::live::partial("Sure! Here"), None);
}

#[cfg(feature = "pdf")]
#[test]
fn a_pdf_document_is_read_as_text_and_a_broken_one_is_refused() {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![72.into(), 700.into()]),
            Operation::new(
                "Tj",
                vec![Object::string_literal("Invoices are exported every month")],
            ),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        content.encode().expect("content"),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("brief.pdf");
    doc.save(&path).expect("saved");
    let read = sprintdeck::generator::documents::read(&path).expect("read");
    assert!(
        read.text.contains("Invoices are exported every month"),
        "{:?}",
        read.text
    );
    assert!(read.fingerprint.starts_with("brief.pdf sha256:"));
    let broken = dir.path().join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.5\nthis is not a pdf").expect("write");
    let err = sprintdeck::generator::documents::read(&broken).expect_err("refused");
    assert!(err.contains("broken.pdf"), "{err}");
}

/// Built without the `pdf` feature (`cargo test --no-default-features`), a PDF is refused with
/// what to do instead.
#[cfg(not(feature = "pdf"))]
#[test]
fn without_the_pdf_feature_a_pdf_is_refused_saying_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("brief.pdf");
    std::fs::write(&path, b"%PDF-1.5\n").expect("write");
    let err = sprintdeck::generator::documents::read(&path).expect_err("refused");
    assert!(
        err.contains("brief.pdf is a PDF, and this sprintdeck was built without PDF support"),
        "{err}"
    );
}

#[tokio::test]
async fn a_generated_story_like_a_demo_issue_is_flagged_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (key, title) = demo_story(&store).await;
    let mut backlog = load("valid");
    backlog.epics[0].stories[0].title.clone_from(&title);
    let answer = serde_json::to_string(&backlog).expect("json");
    let url = crate::llm::mock(
        200,
        &[("content-type", "text/event-stream")],
        openai_stream(&answer),
        false,
    )
    .await;
    let (outcome, streamed) = generate_in_process(&store, "openai", &url).await;
    assert_eq!(streamed, answer, "the answer streamed as it came");
    let sprintdeck::generator::run::Outcome::Backlog(g) = outcome else {
        panic!("a backlog");
    };
    let dup = g
        .violations
        .iter()
        .find(|v| v.rule == "duplicate")
        .expect("flagged");
    assert_eq!(dup.level, Level::Warning);
    // The demo repeats titles across projects: any issue with that title is the right find.
    let named: String =
        sqlx::query_scalar("SELECT title FROM issues WHERE ? LIKE '%' || key || ' (%'")
            .bind(&dup.message)
            .fetch_one(store.pool())
            .await
            .expect("the message names an existing key");
    assert_eq!(named, title, "{} (first such issue {key})", dup.message);
    assert!(
        rules::applicable(&g.violations),
        "a warning can be accepted"
    );
}

#[tokio::test]
async fn read_only_refuses_commands_that_write() {
    let env =
        crate::common::BinaryEnv::new(&llm_config("http://127.0.0.1:9"), ("SPRINTDECK_UNUSED", ""));
    for args in [
        &["--read-only", "generate", "--project", "OPS", "--idea", "x"][..],
        &["--read-only", "plan"],
        &["--read-only", "proposals", "undo"],
    ] {
        let out = env.run(args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--read-only: `"), "{stderr}");
    }
    // Reading is fine.
    let out = env.run(&["--read-only", "proposals", "list"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn escape_sequences_from_the_model_are_not_kept() {
    let mut backlog = load("valid");
    backlog.epics[0].title = "Invoice \u{1b}[2Jexport\u{7}".to_owned();
    backlog.epics[0].stories[0].description = "line one\n\u{1b}]52;c;aGk=\u{7}line two".to_owned();
    let changes = backlog.changes(None);
    let Change::Create { title, .. } = &changes[0] else {
        panic!("the epic");
    };
    assert_eq!(title, "Invoice export");
    let Change::Create { description, .. } = &changes[1] else {
        panic!("the story");
    };
    assert!(!description.contains('\u{1b}'), "{description:?}");
    assert!(description.contains("line one\n"), "{description:?}");
}

#[tokio::test]
async fn anthropic_gives_the_backlog_as_the_input_of_a_tool_it_must_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::common::empty_store(&dir).await;
    let answer = serde_json::to_string(&load("valid")).expect("json");
    let (url, seen) = crate::llm::serve(vec![crate::llm::Reply::new(
        200,
        &[("content-type", "text/event-stream")],
        crate::chat_tool::anthropic_tool_stream_named("json_answer", &answer),
    )])
    .await;
    let (outcome, streamed) = generate_in_process(&store, "anthropic", &url).await;
    let sprintdeck::generator::run::Outcome::Backlog(g) = outcome else {
        panic!("a backlog");
    };
    assert_eq!(g.backlog, load("valid"));
    // The recorded text before the call and the tool's input both stream; the JSON is found.
    assert!(streamed.ends_with(&answer), "{streamed}");
    let body = seen.bodies.lock().expect("bodies")[0].clone();
    assert_eq!(
        body["tool_choice"],
        serde_json::json!({"type": "tool", "name": "json_answer"})
    );
    assert_eq!(body["tools"][0]["name"], "json_answer");
    assert!(body["tools"][0]["input_schema"]["properties"]["epics"].is_object());
}

#[tokio::test]
async fn an_answer_cut_at_the_token_limit_says_so_instead_of_repairing() {
    let text = text_of("valid");
    let cut = &text[..text.len() / 2];
    // The recorded stream's last content chunk, finishing for "length" as a cut answer does.
    let recorded = std::fs::read_to_string(fixture("llm/chat-stream.gpt-4.1-nano.DERIVED.sse"))
        .expect("fixture");
    let finish = recorded
        .split("\n\n")
        .find(|e| e.contains("\"finish_reason\":\"stop\""))
        .expect("a finishing chunk")
        .replace("\"finish_reason\":\"stop\"", "\"finish_reason\":\"length\"");
    let body = openai_stream(cut).replacen("data: [DONE]", &format!("{finish}\n\ndata: [DONE]"), 1);
    let (url, seen) = crate::llm::serve(vec![crate::llm::Reply::new(
        200,
        &[("content-type", "text/event-stream")],
        body,
    )])
    .await;
    let env = crate::common::BinaryEnv::new(&llm_config(&url), ("SPRINTDECK_UNUSED", ""));
    let out = env
        .run(&["generate", "--project", "OPS", "--idea", "invoice export"])
        .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cut at its token limit"), "{stderr}");
    assert!(stderr.contains("raise max_tokens"), "{stderr}");
    assert_eq!(
        seen.requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "no repair is asked for"
    );
}
