//! The chat pane's state machine driven by `update`, against a streaming mock provider:
//! idle → connecting → streaming → done; Esc stops and later chunks are dropped; a chunk for an
//! old turn is dropped; `r` asks again; escape sequences in answers render harmlessly.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprintdeck::app::state::{ChatPhase, Settings, Tab, TurnStatus};
use sprintdeck::app::{Effect, Msg, update};
use sprintdeck::llm::LlmEvent;

use crate::panes::{draw, text};
use crate::tui::{Harness, settings};

fn chat_settings() -> Settings {
    Settings {
        llm_name: Some("openai gpt-4.1-nano".into()),
        ..settings()
    }
}

async fn harness_with_mock() -> (Harness, String) {
    let body = std::fs::read_to_string(crate::common::fixture(
        "llm/chat-stream.gpt-4.1-nano.DERIVED.sse",
    ))
    .expect("fixture");
    let url = crate::llm::mock(200, &[("content-type", "text/event-stream")], body, false).await;
    let mut h = Harness::with(chat_settings(), (100, 30), Tab::Chat).await;
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"
    ))
    .expect("config");
    h.io.llm = Some(Arc::new(config));
    let expected = crate::llm::openai_text();
    (h, expected)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[tokio::test]
async fn a_question_streams_into_a_finished_turn() {
    let (mut h, expected) = harness_with_mock().await;
    h.keys("who is overloaded?").await;
    h.key(KeyCode::Enter).await;
    let c = &h.state.chat;
    assert_eq!(c.turns.len(), 1);
    assert_eq!(c.turns[0].question, "who is overloaded?");
    assert_eq!(c.turns[0].answer, expected);
    assert_eq!(c.turns[0].status, TurnStatus::Done);
    assert!(c.turns[0].usage.is_some());
    assert_eq!(c.phase, ChatPhase::Idle);
    assert!(
        c.input.lines().iter().all(String::is_empty),
        "the input is cleared"
    );
    let sent = c.turns[0]
        .context
        .clone()
        .expect("the context sent is kept with the turn");
    assert!(
        sent.contains("points this sprint") || sent.contains('['),
        "{sent}"
    );
    let screen = text(&draw(&h.state));
    assert!(screen.contains("tokens in"), "the end is in view: {screen}");
    h.key(KeyCode::PageUp).await;
    let screen = text(&draw(&h.state));
    assert!(
        screen.contains("you  who is overloaded?"),
        "scrolled to the top: {screen}"
    );
    // Esc leaves the input for the conversation, where `c` shows what was sent.
    assert!(h.state.chat.writing);
    h.key(KeyCode::Esc).await;
    assert!(!h.state.chat.writing);
    h.key(KeyCode::Char('c')).await;
    assert!(h.state.chat.show_context);
    h.key(KeyCode::PageUp).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("context sent ("), "{screen}");
    h.key(KeyCode::Char('c')).await;
    // `r` asks the same question again, as a new turn.
    let before = h.state.chat.turn;
    h.key(KeyCode::Char('r')).await;
    assert!(h.state.chat.turn > before);
    assert_eq!(h.state.chat.turns.len(), 1);
    assert_eq!(h.state.chat.turns[0].status, TurnStatus::Done);
    // `n` starts over.
    h.key(KeyCode::Char('n')).await;
    assert!(h.state.chat.turns.is_empty());
}

#[tokio::test]
async fn esc_stops_and_late_or_stale_chunks_are_dropped() {
    let (mut h, _) = harness_with_mock().await;
    for c in "status?".chars() {
        let _ = update(&mut h.state, key(KeyCode::Char(c)));
    }
    let effects = update(&mut h.state, key(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::ChatAsk { .. }]),
        "{effects:?}"
    );
    let turn = h.state.chat.turn;
    assert_eq!(h.state.chat.phase, ChatPhase::Connecting);
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![LlmEvent::Text("Partial".into())],
        },
    );
    assert_eq!(h.state.chat.phase, ChatPhase::Streaming);
    // A chunk of an older turn changes nothing.
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn: turn - 1,
            events: vec![LlmEvent::Text(" stale".into())],
        },
    );
    assert_eq!(h.state.chat.turns[0].answer, "Partial");
    let effects = update(&mut h.state, key(KeyCode::Esc));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::ChatStop)),
        "the request is aborted"
    );
    assert_eq!(h.state.chat.turns[0].status, TurnStatus::Stopped);
    assert_eq!(h.state.chat.phase, ChatPhase::Idle);
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![LlmEvent::Text(" late".into())],
        },
    );
    assert_eq!(
        h.state.chat.turns[0].answer, "Partial",
        "nothing after the stop"
    );
}

#[tokio::test]
async fn escape_sequences_in_an_answer_render_harmlessly() {
    let (mut h, _) = harness_with_mock().await;
    for c in "x".chars() {
        let _ = update(&mut h.state, key(KeyCode::Char(c)));
    }
    let _ = update(&mut h.state, key(KeyCode::Enter));
    let turn = h.state.chat.turn;
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![
                LlmEvent::Text("\u{1b}[2J\u{1b}]52;c;aGk=\u{7}red [OPS-1]".into()),
                LlmEvent::Done { stop_reason: None },
            ],
        },
    );
    let buffer = draw(&h.state);
    let screen = text(&buffer);
    assert!(
        !screen.contains('\u{1b}') && !screen.contains('\u{7}'),
        "{screen:?}"
    );
    assert!(screen.contains("red [OPS-1]"), "{screen}");
}

#[tokio::test]
async fn without_a_provider_the_pane_says_how_to_configure_one() {
    let mut h = Harness::with(settings(), (100, 30), Tab::Chat).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("No AI provider is configured"), "{screen}");
    assert!(screen.contains("provider = \"ollama\""), "{screen}");
    // Keys work as everywhere else: tab moves on.
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.tab, Tab::Proposals);
}

#[tokio::test]
async fn conversations_are_kept_and_come_back_on_the_next_start() {
    let (mut h, expected) = harness_with_mock().await;
    h.keys("who is overloaded?").await;
    h.key(KeyCode::Enter).await;
    let pool = h.store.pool().clone();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    assert_eq!(count("SELECT count(*) FROM chat_conversations").await, 1);
    assert_eq!(count("SELECT count(*) FROM chat_messages").await, 2);
    assert_eq!(
        count("SELECT count(*) FROM chat_messages WHERE role = 'assistant' AND complete = 1").await,
        1
    );
    // A stopped answer is kept too, marked incomplete, in the same conversation.
    for c in "and next?".chars() {
        let _ = update(&mut h.state, key(KeyCode::Char(c)));
    }
    let effects = update(&mut h.state, key(KeyCode::Enter));
    assert!(!effects.is_empty());
    let turn = h.state.chat.turn;
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![LlmEvent::Text("half".into())],
        },
    );
    let effects = update(&mut h.state, key(KeyCode::Esc));
    h.run(effects).await;
    assert_eq!(count("SELECT count(*) FROM chat_conversations").await, 1);
    assert_eq!(
        count("SELECT count(*) FROM chat_messages WHERE role = 'assistant' AND complete = 0").await,
        1
    );
    let (store, dir) = h.into_parts();
    let again = Harness::on(store, dir, chat_settings(), (100, 30), Tab::Chat).await;
    let turns = &again.state.chat.turns;
    assert_eq!(turns.len(), 2);
    assert_eq!(
        (turns[0].question.as_str(), turns[0].answer.as_str()),
        ("who is overloaded?", expected.as_str())
    );
    assert_eq!(turns[1].status, TurnStatus::Stopped);
    assert_eq!(turns[1].answer, "half");
}
