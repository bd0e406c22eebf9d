//! The chat pane: a question is sent with a turn id; its stream's events come back tagged with
//! that id and are applied only while it is the current turn (a stopped or replaced turn's late
//! chunks are dropped). Esc stops (the runtime aborts the request); `r` asks the last question
//! again, `n` starts a new conversation (keys in `keys`).

mod keys;
mod lines;
mod stream;

use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{ChatPhase, ChatTurn, State, TurnStatus};
use lines::reparse;

pub use keys::{act, context, type_key};
pub use lines::answer_lines;
pub use stream::{on_event, on_events, on_loaded, on_saved};

/// The next model for this conversation's following questions.
fn switch_model(state: &mut State) {
    let choices = state.settings.llm_choices();
    if choices.len() < 2 {
        super::flash(
            state,
            "one model configured; add [llm.profiles.NAME] to switch",
            false,
        );
        return;
    }
    state.chat.profile = (state.chat.profile + 1) % choices.len();
    let label = &choices[state.chat.profile].label;
    let text = format!("asking {label} from now on");
    super::flash(state, &text, false);
}

/// Up/down through the questions asked in this conversation, newest first.
fn browse_history(state: &mut State, step: isize) {
    let c = &mut state.chat;
    let count = c.turns.len();
    if count == 0 {
        return;
    }
    // Past the newest question the input is empty again.
    let pos = match (c.history_pos, step < 0) {
        (None, true) => Some(count - 1),
        (Some(p), true) => Some(p.saturating_sub(1)),
        (Some(p), false) if p + 1 < count => Some(p + 1),
        (_, false) => None,
    };
    c.history_pos = pos;
    let text = pos.map_or_else(String::new, |p| c.turns[p].question.clone());
    c.input = TextArea::new(text.lines().map(str::to_owned).collect());
    c.input.move_cursor(ratatui_textarea::CursorMove::Bottom);
    c.input.move_cursor(ratatui_textarea::CursorMove::End);
}

/// Each turn's cited keys, in order and once per turn (found when the answer arrived).
pub fn citations(state: &State) -> impl Iterator<Item = (usize, &str)> {
    state
        .chat
        .turns
        .iter()
        .enumerate()
        .flat_map(|(i, turn)| turn.cites.iter().map(move |key| (i, key.as_str())))
}

/// Tab selects the next citation; after the last one it lets tab switch panes.
fn next_citation(state: &mut State) -> Option<Vec<Effect>> {
    let count = citations(state).count();
    let next = state.chat.citation.map_or(0, |i| i + 1);
    if next >= count {
        state.chat.citation = None;
        return None;
    }
    state.chat.citation = Some(next);
    state.dirty = true;
    Some(Vec::new())
}

fn open_citation(state: &mut State) -> Vec<Effect> {
    let Some(key) = state
        .chat
        .citation
        .and_then(|i| citations(state).nth(i))
        .map(|(_, key)| key.to_owned())
    else {
        return Vec::new();
    };
    vec![Effect::FindIssue(key)]
}

pub fn on_conversations(
    state: &mut State,
    result: Result<Vec<crate::store::chat::Conversation>, String>,
) -> Vec<Effect> {
    match (result, state.chat.conversations.as_mut()) {
        (Ok(items), Some(list)) => {
            list.items = items
                .into_iter()
                .map(crate::domain::text::Safe::new)
                .collect();
            list.loaded = true;
        }
        (Err(e), _) => {
            state.chat.conversations = None;
            super::flash(state, &format!("cannot list conversations: {e}"), true);
        }
        (Ok(_), None) => {}
    }
    state.dirty = true;
    Vec::new()
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

/// The profile this conversation asks (`None`: the keys under `[llm]`).
fn profile(state: &State) -> Option<String> {
    state
        .settings
        .llm_choices()
        .get(state.chat.profile)
        .and_then(|c| c.name.clone())
}

fn ask(state: &mut State, question: String) -> Vec<Effect> {
    let mut effects = stop(state);
    let profile = profile(state);
    let c = &mut state.chat;
    c.turn += 1;
    let history: Vec<(String, String)> = c
        .turns
        .iter()
        .filter(|t| t.status == TurnStatus::Done)
        .map(|t| (t.question.clone(), t.answer.clone()))
        .collect();
    c.turns.push(ChatTurn {
        shown_question: question.as_str().into(),
        question: question.clone(),
        ..ChatTurn::default()
    });
    c.phase = ChatPhase::Connecting;
    c.follow = true;
    effects.push(Effect::ChatAsk {
        turn: c.turn,
        question,
        history,
        profile,
        propose: !state.settings.read_only,
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
        t.waiting = None;
    }
    // A new turn id makes anything still in flight stale.
    c.turn += 1;
    let mut effects = vec![Effect::ChatStop];
    effects.extend(finish_last(state));
    effects
}

/// The last turn is final: its lines are kept for drawing, and it is saved (its answer marked
/// incomplete unless it finished) — except in read-only mode, which writes nothing.
fn finish_last(state: &mut State) -> Option<Effect> {
    let profile = profile(state);
    let t = state.chat.turns.last_mut()?;
    reparse(t);
    if state.settings.read_only {
        return None;
    }
    Some(Effect::SaveChatTurn {
        conversation: state.chat.conversation,
        profile,
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
    vec![Effect::LoadChat(None), Effect::WarmChat]
}
