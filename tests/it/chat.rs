//! The chat pane's state machine driven by `update`, against a streaming mock provider:
//! idle → connecting → streaming → done; Esc stops and later chunks are dropped; a chunk for an
//! old turn is dropped; `r` asks again; escape sequences in answers render harmlessly.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprintdeck::app::state::{ChatPhase, LlmChoice, Settings, Tab, TurnStatus};
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

/// Answers `events` to the question just sent (as a stream would), then ends the turn.
fn answer(h: &mut Harness, text: &str) {
    let turn = h.state.chat.turn;
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![
                LlmEvent::Text(text.into()),
                LlmEvent::Done { stop_reason: None },
            ],
        },
    );
}

async fn demo_keys(h: &Harness, n: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT key FROM issues ORDER BY id LIMIT ?")
        .bind(n)
        .fetch_all(h.store.pool())
        .await
        .expect("keys")
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_with_a_countdown_then_answered() {
    let body = std::fs::read_to_string(crate::common::fixture(
        "llm/chat-stream.gpt-4.1-nano.DERIVED.sse",
    ))
    .expect("fixture");
    let limited = std::fs::read_to_string(crate::common::fixture(
        "llm/error-429-rate_limit_exceeded.tokens.json",
    ))
    .expect("fixture");
    let (url, seen) = crate::llm::serve(vec![
        crate::llm::Reply::new(429, &[("retry-after", "7")], limited),
        crate::llm::Reply::new(200, &[("content-type", "text/event-stream")], body),
    ])
    .await;
    let (mut h, expected) = harness_with_mock().await;
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"
    ))
    .expect("config");
    h.io.llm = Some(Arc::new(config));
    // The fake clock: waits are recorded, not slept.
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&waits);
    h.io.llm_sleeper = Some(Arc::new(move |d| {
        record.lock().expect("waits").push(d);
        Box::pin(async {})
    }));
    h.keys("who is overloaded?").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(
        *waits.lock().expect("waits"),
        [std::time::Duration::from_secs(7)]
    );
    assert_eq!(seen.requests.load(std::sync::atomic::Ordering::SeqCst), 2);
    let t = &h.state.chat.turns[0];
    assert_eq!(t.status, TurnStatus::Done);
    assert_eq!(t.answer, expected);
    assert_eq!(t.waiting, None);

    // While waiting, the pane counts down with the clock.
    h.keys("and now?").await;
    let _ = update(&mut h.state, key(KeyCode::Enter));
    let turn = h.state.chat.turn;
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![LlmEvent::Waiting {
                seconds: 7,
                attempt: 1,
            }],
        },
    );
    let screen = text(&draw(&h.state));
    assert!(
        screen.contains("asking again in 7s (attempt 1 of 3"),
        "{screen}"
    );
    let later = h.state.now + chrono::Duration::seconds(3);
    let _ = update(&mut h.state, Msg::Tick(later));
    let screen = text(&draw(&h.state));
    assert!(screen.contains("asking again in 4s"), "{screen}");
}

#[tokio::test]
async fn tab_walks_the_citations_and_enter_opens_the_issue() {
    let (mut h, _) = harness_with_mock().await;
    let keys = demo_keys(&h, 2).await;
    h.keys("what is blocked?").await;
    let _ = update(&mut h.state, key(KeyCode::Enter));
    answer(
        &mut h,
        &format!(
            "Blocked: [{}] waits on [{}]; see also [{}] and [NOPE-9].",
            keys[0], keys[1], keys[0]
        ),
    );
    // In the input, tab still switches panes; in the conversation it walks the citations.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.chat.citation, Some(0));
    let buffer = draw(&h.state);
    let selected = h.state.settings.theme.selected;
    let first = format!("[{}]", keys[0]);
    let screen = text(&buffer);
    let row = screen
        .lines()
        .position(|l| l.contains(&first))
        .expect("cited");
    let col = screen
        .lines()
        .nth(row)
        .expect("row")
        .find(&first)
        .expect("col");
    let cell = &buffer[(
        u16::try_from(col).expect("col") + 1,
        u16::try_from(row).expect("row"),
    )];
    assert_eq!(
        cell.bg,
        selected.bg.unwrap_or_default(),
        "the citation is highlighted: {keys:?} {screen}"
    );
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.chat.citation, Some(1));
    h.key(KeyCode::Tab).await;
    assert_eq!(
        h.state.chat.citation,
        Some(2),
        "each key once: the unknown one is third"
    );
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Chat, "an unknown key stays here");
    assert!(
        h.state
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("NOPE-9")),
        "{:?}",
        h.state.flash
    );
    // Past the last citation tab moves on to the next pane.
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.chat.citation, None);
    assert_ne!(h.state.tab, Tab::Chat);
    // Back, and Enter on the second citation opens that issue.
    h.state.tab = Tab::Chat;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Backlog);
    let opened = h
        .state
        .detail
        .as_ref()
        .and_then(|d| d.data.as_ref())
        .map(|d| d.row.key.clone());
    assert_eq!(opened.as_deref(), Some(keys[1].as_str()));
}

#[tokio::test]
async fn up_recalls_earlier_questions() {
    let (mut h, _) = harness_with_mock().await;
    for q in ["first question", "second question"] {
        h.keys(q).await;
        h.key(KeyCode::Enter).await;
    }
    h.key(KeyCode::Up).await;
    assert_eq!(h.state.chat.input.lines(), ["second question"]);
    h.key(KeyCode::Up).await;
    assert_eq!(h.state.chat.input.lines(), ["first question"]);
    h.key(KeyCode::Up).await;
    assert_eq!(
        h.state.chat.input.lines(),
        ["first question"],
        "stops at the oldest"
    );
    h.key(KeyCode::Down).await;
    assert_eq!(h.state.chat.input.lines(), ["second question"]);
    h.key(KeyCode::Down).await;
    assert_eq!(
        h.state.chat.input.lines(),
        [""],
        "past the newest: empty again"
    );
}

#[tokio::test]
async fn models_switch_per_conversation_and_older_conversations_reopen() {
    let anthropic = std::fs::read_to_string(crate::common::fixture(
        "llm/claude-sonnet-4-5-text.DERIVED.sse",
    ))
    .expect("fixture");
    let other = crate::llm::mock(
        200,
        &[("content-type", "text/event-stream")],
        anthropic,
        false,
    )
    .await;
    let (mut h, openai_text) = harness_with_mock().await;
    let base =
        h.io.llm
            .as_ref()
            .and_then(|c| c.llm.as_ref())
            .and_then(|l| l.base_url.clone())
            .expect("url");
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[llm]\nprovider = \"openai\"\nbase_url = \"{base}\"\nmodel = \"gpt-4.1-nano\"\n\
         price_input_per_1k = 0.1\nprice_output_per_1k = 0.4\n\
         [llm.profiles.claude]\nprovider = \"anthropic\"\nbase_url = \"{other}\"\nmodel = \"claude-sonnet-4-5\"\napi_key_env = \"SPRINTDECK_TEST_NO_SUCH_KEY\"\n"
    ))
    .expect("config");
    h.io.llm = Some(Arc::new(config));
    h.state.settings.llm_profiles = vec![
        LlmChoice {
            name: None,
            label: "openai gpt-4.1-nano".into(),
            price_per_1k: (Some(0.1), Some(0.4)),
        },
        LlmChoice {
            name: Some("claude".into()),
            label: "claude: anthropic claude-sonnet-4-5".into(),
            price_per_1k: (None, None),
        },
    ];
    h.keys("first?").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.chat.turns[0].answer, openai_text);
    let (i, o) = h.state.chat.turns[0].usage.expect("usage");
    let screen = text(&draw(&h.state));
    #[allow(clippy::cast_precision_loss)]
    let cost = format!("${:.4}", i as f64 / 1000.0 * 0.1 + o as f64 / 1000.0 * 0.4);
    assert!(screen.contains(&cost), "cost per turn {cost}: {screen}");
    assert!(screen.contains("conversation: "), "status line: {screen}");

    // `m` switches this conversation to the other profile.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('m')).await;
    assert_eq!(h.state.chat.profile, 1);
    h.key(KeyCode::Char('i')).await;
    h.keys("second?").await;
    h.key(KeyCode::Enter).await;
    let second = &h.state.chat.turns[1];
    // No key in the environment: the profile's own error, proof it was the one asked.
    assert!(
        matches!(&second.status, TurnStatus::Failed(e) if e.contains("SPRINTDECK_TEST_NO_SUCH_KEY")),
        "{:?}",
        second.status
    );
    let profile: Option<String> = sqlx::query_scalar("SELECT profile FROM chat_conversations")
        .fetch_one(h.store.pool())
        .await
        .expect("row");
    assert_eq!(profile.as_deref(), Some("claude"));

    // A new conversation, then the older one reopened from the list, with its model.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('n')).await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('m')).await;
    assert_eq!(h.state.chat.profile, 0);
    h.keys("i").await;
    h.keys("third?").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('o')).await;
    let list = h
        .state
        .chat
        .conversations
        .clone()
        .expect("the list is open");
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0].title, "third?", "most recent first");
    let screen = text(&draw(&h.state));
    assert!(
        screen.contains("first?") && screen.contains("third?"),
        "{screen}"
    );
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Enter).await;
    assert!(h.state.chat.conversations.is_none());
    let questions: Vec<&str> = h
        .state
        .chat
        .turns
        .iter()
        .map(|t| t.question.as_str())
        .collect();
    assert_eq!(questions, ["first?", "second?"]);
    assert_eq!(
        h.state.chat.profile, 1,
        "the conversation's model comes back"
    );
}

#[tokio::test]
async fn pane_snapshots_mid_stream_and_after_completion() {
    let (mut h, _) = harness_with_mock().await;
    h.state.size = (80, 24);
    h.keys("who is overloaded this sprint?").await;
    let _ = update(&mut h.state, key(KeyCode::Enter));
    insta::assert_snapshot!("chat_connecting_80x24", text(&draw(&h.state)));
    let turn = h.state.chat.turn;
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![
                LlmEvent::Reasoning("Count points per person in the active sprint.".into()),
                LlmEvent::Text("## Load\n\n- **ana.souza**: 13 points [OPS-3]\n- bruno".into()),
            ],
        },
    );
    insta::assert_snapshot!("chat_streaming_80x24", text(&draw(&h.state)));
    let _ = update(
        &mut h.state,
        Msg::ChatEvents {
            turn,
            events: vec![
                LlmEvent::Text(".lima: 5 points\n\n```\nsum = 18\n```\n".into()),
                LlmEvent::Usage {
                    input: 812,
                    output: 95,
                },
                LlmEvent::Done { stop_reason: None },
            ],
        },
    );
    insta::assert_snapshot!("chat_done_80x24", text(&draw(&h.state)));
}

#[tokio::test]
async fn answers_are_parsed_when_they_arrive_and_a_finished_one_never_again() {
    let mut h = Harness::with(chat_settings(), (100, 30), Tab::Chat).await;
    for c in "first?".chars() {
        let _ = update(&mut h.state, key(KeyCode::Char(c)));
    }
    let _ = update(&mut h.state, key(KeyCode::Enter));
    answer(&mut h, "See [OPS-1] and **bold** text.");
    let first = &h.state.chat.turns[0];
    assert_eq!(first.cites, ["OPS-1"], "citations found in update");
    assert!(
        first
            .lines
            .iter()
            .flat_map(|l| &l.spans)
            .any(|s| s.cites == ["OPS-1"] && s.text == "[OPS-1]"),
        "{:?}",
        first.lines
    );
    let parsed = first.lines.as_ptr();
    // A second answer streams: only it is parsed again, once per batch of pieces.
    for c in "second?".chars() {
        let _ = update(&mut h.state, key(KeyCode::Char(c)));
    }
    let _ = update(&mut h.state, key(KeyCode::Enter));
    let turn = h.state.chat.turn;
    for piece in ["Look at ", "[OPS-2]", " too"] {
        let _ = update(
            &mut h.state,
            Msg::ChatEvents {
                turn,
                events: vec![LlmEvent::Text(piece.into())],
            },
        );
        let streaming = &h.state.chat.turns[1];
        let shown: String = streaming
            .lines
            .iter()
            .flat_map(|l| &l.spans)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(
            shown,
            streaming.answer.trim(),
            "the streaming turn follows its text"
        );
    }
    assert_eq!(h.state.chat.turns[1].cites, ["OPS-2"]);
    assert_eq!(
        h.state.chat.turns[0].lines.as_ptr(),
        parsed,
        "the finished turn was not parsed again"
    );
}
