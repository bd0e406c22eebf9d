//! The chat's `propose_changes` tool: a model's call in `OpenAI` and Anthropic stream formats
//! (the recorded tool-call streams, calling our tool instead) becomes a pending chat proposal
//! with the current values filled in; nothing is applied until a person applies it, and a call
//! naming an issue that does not exist is reported, not kept.

use std::sync::Arc;

use crossterm::event::KeyCode;
use sprintdeck::app::state::{Settings, Tab, TurnStatus};
use sprintdeck::domain::proposal::{Change, Field, Kind, ProposalState};
use sprintdeck::store::proposals;

use crate::tui::{Harness, settings};

fn read(rel: &str) -> String {
    std::fs::read_to_string(crate::common::fixture(rel)).expect("fixture")
}

/// `text` as a JSON string literal (quotes included), as a fragment appears in a stream.
fn literal(text: &str) -> String {
    serde_json::to_string(text).expect("json")
}

/// `args` cut into `n` pieces at character boundaries.
fn pieces(args: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = args.chars().collect();
    let size = chars.len().div_ceil(n);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// The recorded OpenAI-compatible tool-call stream (index 1, arguments in pieces with empty
/// ones), calling `propose_changes` with `args` instead of `read_file`.
pub fn openai_tool_stream(args: &str) -> String {
    let raw = crate::llm::wire(read("llm/anthropic-openai-compat-tool-call.sse"));
    let p = pieces(args, 2);
    let out = raw
        .replace("\"read_file\"", "\"propose_changes\"")
        .replace(r#""{\"pa""#, &literal(&p[0]))
        .replace(r#""th\": \"a.txt\"}""#, &literal(&p[1]));
    assert!(
        !out.contains("read_file") && !out.contains("a.txt"),
        "{out}"
    );
    out
}

/// The recorded Anthropic stream (text block, then `tool_use` with `input_json_delta` pieces),
/// calling `propose_changes` with `args` instead of `get_weather`.
pub fn anthropic_tool_stream(args: &str) -> String {
    anthropic_tool_stream_named("propose_changes", args)
}

/// The recorded Anthropic tool-use stream, calling `name` with `args`.
pub fn anthropic_tool_stream_named(name: &str, args: &str) -> String {
    let raw = crate::llm::wire(read("llm/tool_use_response.sse"));
    let p = pieces(args, 4);
    let mut out = raw.replace("\"get_weather\"", &format!("\"{name}\""));
    for (old, new) in [r#""{\"locati""#, r#""on\": \"P""#, r#""ar""#, r#""is\"}""#]
        .iter()
        .zip(&p)
    {
        let before = out.clone();
        out = out.replacen(
            &format!("\"partial_json\":{old}"),
            &format!("\"partial_json\":{}", literal(new)),
            1,
        );
        assert_ne!(before, out, "{old} is in the recording");
    }
    out
}

async fn chat_harness(provider: &str, body: String) -> Harness {
    let url = crate::llm::mock(200, &[("content-type", "text/event-stream")], body, false).await;
    let settings = Settings {
        llm_name: Some(format!("{provider} m")),
        ..settings()
    };
    let mut h = Harness::with(settings, (100, 30), Tab::Chat).await;
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[llm]\nprovider = \"{provider}\"\nbase_url = \"{url}\"\nmodel = \"m\"\n"
    ))
    .expect("config");
    h.io.llm = Some(Arc::new(config));
    h
}

/// A demo story with points, in a sprint.
async fn story(h: &Harness) -> (String, String) {
    sqlx::query_as(
        "SELECT i.key, CAST(CAST(i.story_points AS INTEGER) AS TEXT) FROM issues i \
         JOIN sprint_issues si ON si.issue_id = i.id AND si.removed_at IS NULL \
         WHERE i.issue_type = 'story' AND i.story_points >= 3 AND i.gone_at IS NULL \
         AND i.story_points = CAST(i.story_points AS INTEGER) ORDER BY i.id LIMIT 1",
    )
    .fetch_one(h.store.pool())
    .await
    .expect("a demo story")
}

fn split_args(key: &str) -> String {
    serde_json::json!({
        "title": format!("Split {key} into tasks"),
        "explanation": "Two tasks make the work visible; the story keeps 2 points.",
        "changes": [
            {"op": "create", "temp_key": "new-1", "issue_type": "task", "title": "Write the migration", "parent": key, "points": 1},
            {"op": "create", "temp_key": "new-2", "issue_type": "task", "title": "Backfill old rows", "parent": key, "points": 1},
            {"op": "set_field", "key": key, "field": "points", "to": "2"}
        ]
    })
    .to_string()
}

async fn children(h: &Harness, key: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.title FROM issues c JOIN issues p ON p.id = c.parent_id WHERE p.key = ? ORDER BY c.id",
    )
    .bind(key)
    .fetch_all(h.store.pool())
    .await
    .expect("children")
}

/// Checks the proposal the answer made, that it was made by the prompt `system`, and applies it.
async fn check_proposed(h: &mut Harness, key: &str, points: &str, before: &[String], system: &str) {
    let t = h.state.chat.turns.last().expect("a turn").clone();
    assert_eq!(t.status, TurnStatus::Done, "{}", t.answer);
    assert_eq!(t.proposals.len(), 1, "{}", t.answer);
    let id = t.proposals[0];
    assert!(
        t.answer.contains(&format!(
            "**Proposal #{id} created**: Split {key} into tasks (3 changes)"
        )),
        "{}",
        t.answer
    );
    let p = proposals::get(h.store.pool(), id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!((p.kind, p.state), (Kind::Chat, ProposalState::Pending));
    // The value the change replaces comes from the store, not from the model.
    assert_eq!(
        p.changes[2],
        Change::SetField {
            key: key.to_owned(),
            field: Field::Points,
            from: Some(points.to_owned()),
            to: Some("2".to_owned()),
        }
    );
    assert!(
        matches!(&p.changes[0], Change::Create { parent: Some(k), project, .. } if k == key && key.starts_with(project.as_str()))
    );
    // Nothing is applied by the model.
    assert_eq!(children(h, key).await, before);
    let (kind, hash): (String, String) =
        sqlx::query_as("SELECT kind, template_hash FROM generator_runs WHERE proposal_id = ?")
            .bind(id)
            .fetch_one(h.store.pool())
            .await
            .expect("the run is recorded");
    assert_eq!(kind, "chat");
    assert_eq!(hash, sprintdeck::store::prompts::sha256(system.as_bytes()));
    // The answer itself is kept with the same prompt version.
    let kept: Option<String> = sqlx::query_scalar(
        "SELECT prompt_hash FROM chat_messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(h.store.pool())
    .await
    .expect("the turn is saved");
    assert_eq!(kept.as_deref(), Some(hash.as_str()));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE proposal_id = ? AND action = 'model run: chat'",
    )
    .bind(id)
    .fetch_one(h.store.pool())
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    // `p` opens it in the Proposals tab; applying it there does the work.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('p')).await;
    assert_eq!(h.state.tab, Tab::Proposals);
    let shown = &h.state.proposals.list[h.state.proposals.selected];
    assert_eq!(shown.id, id);
    h.key(KeyCode::Char('a')).await;
    let mut expected = before.to_vec();
    expected.extend([
        "Write the migration".to_owned(),
        "Backfill old rows".to_owned(),
    ]);
    assert_eq!(children(h, key).await, expected);
}

#[tokio::test]
async fn an_openai_tool_call_becomes_a_pending_proposal_applied_only_by_a_person() {
    let probe = chat_harness("openai", String::new()).await;
    let (key, points) = story(&probe).await;
    let mut h = chat_harness("openai", openai_tool_stream(&split_args(&key))).await;
    let before = children(&h, &key).await;
    h.keys(&format!("split {key} into tasks")).await;
    h.key(KeyCode::Enter).await;
    // The recorded text before the call stays the answer's start.
    assert!(h.state.chat.turns[0].answer.starts_with("Reading it."));
    let built_in = include_str!("../../assets/prompts/chat/system.md");
    check_proposed(&mut h, &key, &points, &before, built_in).await;
}

#[tokio::test]
async fn an_anthropic_tool_use_becomes_a_pending_proposal_applied_only_by_a_person() {
    let probe = chat_harness("anthropic", String::new()).await;
    let (key, points) = story(&probe).await;
    let mut h = chat_harness("anthropic", anthropic_tool_stream(&split_args(&key))).await;
    // The team's own chat prompt replaces the built-in one; its version is what is recorded.
    let own = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(own.path().join("chat")).expect("dir");
    let system = "Answer like a terse scrum master. Cite keys as [KEY].\n";
    std::fs::write(own.path().join("chat/system.md"), system).expect("write");
    h.io.prompts = Arc::new(sprintdeck::prompt::Setup {
        own_dir: Some(own.path().to_owned()),
        ..(*h.io.prompts).clone()
    });
    let before = children(&h, &key).await;
    h.keys(&format!("split {key} into tasks")).await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.chat.turns[0].answer.starts_with("I'll check"));
    check_proposed(&mut h, &key, &points, &before, system).await;
}

#[tokio::test]
async fn a_call_naming_a_missing_issue_is_reported_and_not_kept() {
    let args = serde_json::json!({
        "title": "Close it",
        "changes": [{"op": "set_status", "key": "NOPE-1", "to": "Done"}]
    })
    .to_string();
    let mut h = chat_harness("openai", openai_tool_stream(&args)).await;
    h.keys("close NOPE-1").await;
    h.key(KeyCode::Enter).await;
    let t = &h.state.chat.turns[0];
    assert!(t.proposals.is_empty());
    assert!(
        t.answer
            .contains("cannot be kept: change 1: there is no issue NOPE-1"),
        "{}",
        t.answer
    );
    let chat: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals WHERE kind = 'chat'")
        .fetch_one(h.store.pool())
        .await
        .expect("count");
    assert_eq!(chat, 0);
    // Arguments that are not the tool's schema are refused with the reason.
    let bad = r#"{"title": "x", "changes": [{"op": "delete_everything"}]}"#;
    let mut h = chat_harness("openai", openai_tool_stream(bad)).await;
    h.keys("go").await;
    h.key(KeyCode::Enter).await;
    assert!(
        h.state.chat.turns[0]
            .answer
            .contains("do not match the tool"),
        "{}",
        h.state.chat.turns[0].answer
    );
}

#[tokio::test]
async fn read_only_mode_does_not_offer_the_tool() {
    let settings = Settings {
        read_only: true,
        llm_name: Some("openai m".into()),
        ..settings()
    };
    let mut h = Harness::with(settings, (100, 30), Tab::Chat).await;
    h.state.chat.writing = true;
    for c in "hi".chars() {
        let _ = sprintdeck::app::update(
            &mut h.state,
            sprintdeck::app::Msg::Key(crossterm::event::KeyEvent::from(KeyCode::Char(c))),
        );
    }
    let effects = sprintdeck::app::update(
        &mut h.state,
        sprintdeck::app::Msg::Key(crossterm::event::KeyEvent::from(KeyCode::Enter)),
    );
    let propose = effects.iter().find_map(|e| match e {
        sprintdeck::app::Effect::ChatAsk { propose, .. } => Some(*propose),
        _ => None,
    });
    assert_eq!(propose, Some(false));
}

#[tokio::test]
async fn read_only_mode_keeps_no_conversation() {
    let body = std::fs::read_to_string(crate::common::fixture(
        "llm/chat-stream.gpt-4.1-nano.DERIVED.sse",
    ))
    .expect("fixture");
    let mut h = chat_harness("openai", body).await;
    h.state.settings.read_only = true;
    h.keys("who is overloaded?").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.chat.turns[0].status, TurnStatus::Done);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM chat_messages")
        .fetch_one(h.store.pool())
        .await
        .expect("count");
    assert_eq!(kept, 0);
}
