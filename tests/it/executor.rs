//! The production executor under the test harness, without a terminal: a newer query replaces
//! the running one, and a model's answer streams in pieces and stops on request.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprintdeck::app::state::{ChatPhase, Settings, Tab, TurnStatus};
use sprintdeck::app::{Effect, Msg, update};

use crate::tui::{Harness, settings};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[tokio::test]
async fn a_newer_backlog_query_replaces_the_running_one() {
    let mut h = Harness::new((120, 40)).await;
    let effects = update(&mut h.state, key('/'));
    h.run(effects).await;
    let before = h.received.len();
    // Two keystrokes before either query has run: the first query's task is aborted.
    for c in ['t', 'y'] {
        let effects = update(&mut h.state, key(c));
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::LoadBacklog { .. })),
            "{effects:?}"
        );
        h.dispatch(effects);
    }
    h.settle_until(|_| false).await;
    let loaded = h.received[before..]
        .iter()
        .filter(|k| **k == "BacklogLoaded")
        .count();
    assert_eq!(loaded, 1, "{:?}", &h.received[before..]);
    assert_eq!(h.state.filter.text(), "ty");
    assert!(h.state.backlog.loaded);
}

#[tokio::test]
async fn an_answer_streams_in_pieces_and_esc_stops_it_at_the_server_too() {
    let body = std::fs::read_to_string(crate::common::fixture(
        "llm/chat-stream.gpt-4.1-nano.DERIVED.sse",
    ))
    .expect("fixture");
    let mut reply = crate::llm::Reply::new(200, &[("content-type", "text/event-stream")], body);
    reply.pause = Duration::from_millis(15);
    let (url, seen) = crate::llm::serve(vec![reply]).await;
    let settings = Settings {
        llm_name: Some("openai gpt-4.1-nano".into()),
        ..settings()
    };
    let mut h = Harness::with(settings, (100, 30), Tab::Chat).await;
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"
    ))
    .expect("config");
    h.io.llm = Some(Arc::new(config));
    for c in "who?".chars() {
        let effects = update(&mut h.state, key(c));
        h.run(effects).await;
    }
    let effects = update(
        &mut h.state,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    h.dispatch(effects);
    // The first pieces are on screen while the rest is still on its way.
    h.settle_until(|s| s.chat.turns.first().is_some_and(|t| t.answer.len() > 10))
        .await;
    let expected = crate::llm::openai_text();
    let partial = h.state.chat.turns[0].answer.clone();
    assert_eq!(h.state.chat.phase, ChatPhase::Streaming);
    assert!(
        partial.len() < expected.len() && expected.starts_with(&partial),
        "{partial:?}"
    );
    assert!(
        !h.state.chat.turns[0].lines.is_empty(),
        "parsed as it arrives"
    );
    // Esc leaves the input and stops the answer: the request is dropped, nothing more comes.
    let effects = update(
        &mut h.state,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(effects.contains(&Effect::ChatStop), "{effects:?}");
    h.run(effects).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.settle_until(|_| false).await;
    let t = &h.state.chat.turns[0];
    assert_eq!(t.status, TurnStatus::Stopped);
    assert!(expected.starts_with(&t.answer) && t.answer.len() < expected.len());
    assert!(
        h.received.iter().filter(|k| **k == "ChatEvents").count() > 1,
        "the answer came in more than one piece: {:?}",
        h.received
    );
    assert_eq!(
        seen.abandoned.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the server saw the request end"
    );
}
