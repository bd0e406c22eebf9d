//! The answer's pieces as they stream in (tagged with their turn: a stopped or replaced turn's
//! late pieces are dropped), and conversations kept and reopened.

use std::fmt::Write as _;

use super::finish_last;
use super::lines::{answer_lines, reparse};
use crate::app::msg::Effect;
use crate::app::state::{ChatPhase, ChatTurn, State, TurnStatus};
use crate::domain::text::{SafeText, sanitize};
use crate::llm::LlmEvent;

pub fn on_events(state: &mut State, turn: u64, events: Vec<LlmEvent>) -> Vec<Effect> {
    let before = state
        .chat
        .turns
        .last()
        .map(|t| (t.answer.len(), t.reasoning.len()));
    let mut effects = Vec::new();
    for event in events {
        effects.extend(on_event(state, turn, event));
    }
    // Only the streaming turn is parsed again, once per batch of pieces; a finished one was
    // parsed for the last time when it finished.
    if turn == state.chat.turn
        && let Some(t) = state.chat.turns.last_mut()
        && t.status == TurnStatus::Streaming
        && Some((t.answer.len(), t.reasoning.len())) != before
    {
        reparse(t);
    }
    effects
}

pub fn on_saved(state: &mut State, result: Result<i64, String>) -> Vec<Effect> {
    match result {
        Ok(id) => state.chat.conversation = Some(id),
        Err(e) => crate::app::flash(
            state,
            &format!("could not keep the conversation: {e}"),
            true,
        ),
    }
    Vec::new()
}

/// A stored conversation arrives: on the first showing only into an empty pane; reopened from
/// the list, in place of the current one.
pub fn on_loaded(
    state: &mut State,
    found: Option<(
        crate::store::chat::Conversation,
        Vec<crate::store::chat::SavedTurn>,
    )>,
    reopen: bool,
) -> Vec<Effect> {
    let Some((conversation, saved)) = found else {
        return Vec::new();
    };
    // The first showing's load lands only in an untouched pane.
    if !reopen && (state.chat.turn != 0 || !state.chat.turns.is_empty()) {
        return Vec::new();
    }
    let choices = state.settings.llm_choices();
    let c = &mut state.chat;
    c.conversation = Some(conversation.id);
    if let Some(i) = choices
        .iter()
        .position(|ch| ch.name == conversation.profile)
    {
        c.profile = i;
    }
    c.citation = None;
    c.follow = true;
    c.turns = saved
        .into_iter()
        .map(|t| ChatTurn {
            lines: answer_lines(&t.answer),
            cites: crate::llm::context::citations(&t.answer),
            proposals: proposal_ids(&t.answer),
            shown_question: SafeText::line(&t.question),
            question: t.question,
            answer: t.answer,
            status: if t.complete {
                TurnStatus::Done
            } else {
                TurnStatus::Stopped
            },
            usage: t
                .usage
                .map(|(i, o)| (u64::try_from(i).unwrap_or(0), u64::try_from(o).unwrap_or(0))),
            ..ChatTurn::default()
        })
        .collect();
    state.dirty = true;
    Vec::new()
}

/// The proposals a saved answer announced ("**Proposal #12 created**").
fn proposal_ids(answer: &str) -> Vec<i64> {
    answer
        .split("**Proposal #")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect()
}

pub fn on_event(state: &mut State, turn: u64, event: LlmEvent) -> Vec<Effect> {
    let now = state.now;
    let c = &mut state.chat;
    if turn != c.turn {
        return Vec::new();
    }
    let Some(t) = c.turns.last_mut() else {
        return Vec::new();
    };
    state.dirty = true;
    // The first token is what the user waits for: it skips the frame budget.
    state.urgent |= c.phase == ChatPhase::Connecting
        && matches!(event, LlmEvent::Text(_) | LlmEvent::Reasoning(_));
    match event {
        LlmEvent::Text(text) => {
            c.phase = ChatPhase::Streaming;
            t.waiting = None;
            t.answer.push_str(&text);
        }
        LlmEvent::Reasoning(text) => {
            c.phase = ChatPhase::Streaming;
            t.waiting = None;
            t.reasoning.push_str(&text);
        }
        LlmEvent::Waiting { seconds, attempt } => {
            let secs = i64::try_from(seconds).unwrap_or(i64::MAX);
            t.waiting = Some((now + chrono::Duration::seconds(secs), attempt));
        }
        LlmEvent::Usage { input, output } => t.usage = Some((input, output)),
        LlmEvent::Context(text) => {
            t.context_tokens = crate::llm::context::tokens(&text);
            t.context = Some(SafeText::block(&text));
        }
        // The runtime turns calls into proposals; a bare call never reaches here.
        LlmEvent::ToolCall { .. } => {}
        LlmEvent::Proposed { id, title, changes } => {
            c.phase = ChatPhase::Streaming;
            t.proposals.push(id);
            let title = sanitize(&title, false);
            let _ = write!(
                t.answer,
                "\n\n**Proposal #{id} created**: {title} ({changes} change{}). \
                 Nothing is changed until someone applies it: `p` opens it.",
                if changes == 1 { "" } else { "s" }
            );
            // Other panes show the new pending proposal (the badge).
            return vec![Effect::LoadProposals {
                all: state.proposals.all,
            }];
        }
        LlmEvent::Done { stop_reason } => {
            if matches!(stop_reason.as_deref(), Some("length" | "max_tokens")) {
                t.answer.push_str(
                    "\n\n_(cut at the model's token limit: raise `max_tokens` in [llm])_",
                );
            }
            t.status = TurnStatus::Done;
            c.phase = ChatPhase::Idle;
            return finish_last(state).into_iter().collect();
        }
        LlmEvent::Error(e) => {
            t.status = TurnStatus::Failed(e.to_string().into());
            t.waiting = None;
            c.phase = ChatPhase::Idle;
            return finish_last(state).into_iter().collect();
        }
    }
    Vec::new()
}
