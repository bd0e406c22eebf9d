//! The chat pane: a question is sent with a turn id; its stream's events come back tagged with
//! that id and are applied only while it is the current turn (a stopped or replaced turn's late
//! chunks are dropped). Esc stops (the runtime aborts the request); `r` on an empty input asks
//! the last question again, `n` starts a new conversation.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{ChatPhase, ChatTurn, State, TurnStatus};
use crate::llm::LlmEvent;

/// Keys typed in the chat pane; `None` lets the key through to the keymap (tab switching,
/// help, quit with an empty input).
pub fn on_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let empty = state.chat.input.lines().iter().all(|l| l.trim().is_empty());
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
    state.dirty = true;
    Some(match key.code {
        KeyCode::Tab | KeyCode::BackTab => return None,
        KeyCode::Esc => stop(state),
        KeyCode::Enter if alt => {
            state.chat.input.insert_newline();
            Vec::new()
        }
        KeyCode::Enter => send(state),
        KeyCode::PageUp => {
            state.chat.follow = false;
            state.chat.scroll = state.chat.scroll.saturating_sub(10);
            Vec::new()
        }
        KeyCode::PageDown => {
            state.chat.scroll = state.chat.scroll.saturating_add(10);
            Vec::new()
        }
        KeyCode::End => {
            state.chat.follow = true;
            Vec::new()
        }
        KeyCode::Char('r') if empty && plain => retry(state),
        KeyCode::Char('n') if empty && plain => {
            let effects = stop(state);
            state.chat.turns.clear();
            state.chat.conversation = None;
            state.chat.follow = true;
            effects
        }
        KeyCode::Char('c') if empty && plain => {
            state.chat.show_context = !state.chat.show_context;
            Vec::new()
        }
        KeyCode::Char('q' | '?') if empty && plain => return None,
        _ => {
            state.chat.input.input(key);
            Vec::new()
        }
    })
}

fn send(state: &mut State) -> Vec<Effect> {
    let question = state.chat.input.lines().join("\n").trim().to_owned();
    if question.is_empty() || state.settings.llm_name.is_none() {
        return Vec::new();
    }
    state.chat.input = TextArea::default();
    ask(state, question)
}

fn retry(state: &mut State) -> Vec<Effect> {
    let Some(last) = state.chat.turns.pop() else {
        return Vec::new();
    };
    stop(state);
    ask(state, last.question)
}

fn ask(state: &mut State, question: String) -> Vec<Effect> {
    let mut effects = stop(state);
    let c = &mut state.chat;
    c.turn += 1;
    let history: Vec<(String, String)> = c
        .turns
        .iter()
        .filter(|t| t.status == TurnStatus::Done)
        .map(|t| (t.question.clone(), t.answer.clone()))
        .collect();
    c.turns.push(ChatTurn {
        question: question.clone(),
        ..ChatTurn::default()
    });
    c.phase = ChatPhase::Connecting;
    c.follow = true;
    effects.push(Effect::ChatAsk {
        turn: c.turn,
        question,
        history,
    });
    effects
}

/// Stops the current answer, keeping what arrived; later chunks of it are dropped.
pub fn stop(state: &mut State) -> Vec<Effect> {
    let c = &mut state.chat;
    if !matches!(c.phase, ChatPhase::Connecting | ChatPhase::Streaming) {
        return Vec::new();
    }
    c.phase = ChatPhase::Idle;
    if let Some(t) = c.turns.last_mut() {
        t.status = TurnStatus::Stopped;
    }
    // A new turn id makes anything still in flight stale.
    c.turn += 1;
    let mut effects = vec![Effect::ChatStop];
    effects.extend(save_last(state));
    effects
}

/// The last turn, to keep (its answer marked incomplete unless it finished).
fn save_last(state: &State) -> Option<Effect> {
    let t = state.chat.turns.last()?;
    Some(Effect::SaveChatTurn {
        conversation: state.chat.conversation,
        turn: crate::store::chat::SavedTurn {
            question: t.question.clone(),
            answer: t.answer.clone(),
            complete: t.status == TurnStatus::Done,
            usage: t.usage.map(|(i, o)| {
                (
                    i64::try_from(i).unwrap_or(i64::MAX),
                    i64::try_from(o).unwrap_or(i64::MAX),
                )
            }),
        },
    })
}

/// The pane's first showing: the last conversation comes back.
pub fn on_enter(state: &mut State) -> Vec<Effect> {
    if state.chat.loaded || state.settings.llm_name.is_none() {
        return Vec::new();
    }
    state.chat.loaded = true;
    vec![Effect::LoadChat]
}

pub fn on_events(state: &mut State, turn: u64, events: Vec<LlmEvent>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for event in events {
        effects.extend(on_event(state, turn, event));
    }
    effects
}

pub fn on_saved(state: &mut State, result: Result<i64, String>) -> Vec<Effect> {
    match result {
        Ok(id) => state.chat.conversation = Some(id),
        Err(e) => super::flash(
            state,
            &format!("could not keep the conversation: {e}"),
            true,
        ),
    }
    Vec::new()
}

pub fn on_loaded(
    state: &mut State,
    found: Option<(i64, Vec<crate::store::chat::SavedTurn>)>,
) -> Vec<Effect> {
    let Some((id, saved)) = found else {
        return Vec::new();
    };
    if !state.chat.turns.is_empty() {
        return Vec::new();
    }
    state.chat.conversation = Some(id);
    state.chat.turns = saved
        .into_iter()
        .map(|t| ChatTurn {
            question: t.question,
            answer: t.answer,
            reasoning: String::new(),
            context: None,
            status: if t.complete {
                TurnStatus::Done
            } else {
                TurnStatus::Stopped
            },
            usage: t
                .usage
                .map(|(i, o)| (u64::try_from(i).unwrap_or(0), u64::try_from(o).unwrap_or(0))),
        })
        .collect();
    state.dirty = true;
    Vec::new()
}

pub fn on_event(state: &mut State, turn: u64, event: LlmEvent) -> Vec<Effect> {
    let c = &mut state.chat;
    if turn != c.turn {
        return Vec::new();
    }
    let Some(t) = c.turns.last_mut() else {
        return Vec::new();
    };
    state.dirty = true;
    match event {
        LlmEvent::Text(text) => {
            c.phase = ChatPhase::Streaming;
            t.answer.push_str(&text);
        }
        LlmEvent::Reasoning(text) => {
            c.phase = ChatPhase::Streaming;
            t.reasoning.push_str(&text);
        }
        LlmEvent::Usage { input, output } => t.usage = Some((input, output)),
        LlmEvent::Context(text) => t.context = Some(text),
        LlmEvent::Done { .. } => {
            t.status = TurnStatus::Done;
            c.phase = ChatPhase::Idle;
            return save_last(state).into_iter().collect();
        }
        LlmEvent::Error(e) => {
            t.status = TurnStatus::Failed(e.to_string());
            c.phase = ChatPhase::Idle;
            return save_last(state).into_iter().collect();
        }
    }
    Vec::new()
}
