//! The chat's actions. The input has the keyboard while a question is written; `esc` moves to
//! the conversation, where letters are commands (`r` asks again, `n` new, …) and `i` or enter
//! goes back to writing; `o` lists older conversations over the pane.

use crossterm::event::KeyEvent;

use super::{browse_history, next_citation, open_citation, retry, send, stop, switch_model};
use crate::app::msg::Effect;
use crate::app::state::{ConversationList, State};
use crate::keymap::{Action, Context};

/// Where the chat's keys go.
pub fn context(state: &State) -> Context {
    let c = &state.chat;
    if c.conversations.is_some() {
        Context::ChatList
    } else if c.writing && state.settings.llm_name.is_some() {
        Context::ChatInput
    } else {
        Context::Chat
    }
}

/// The chat's answer to `action`; `None`: not one of its keys (typed, in the input).
pub fn act(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    if state.settings.llm_name.is_none() {
        // Nothing to talk to: the pane says how to configure one, and tab moves on.
        return Some(if action == Action::NextIssue {
            crate::app::keys::act(state, Action::NextTab)
        } else {
            Vec::new()
        });
    }
    if context == Context::ChatList {
        return list_action(state, action);
    }
    if !matches!(
        action,
        Action::HistoryPrev | Action::HistoryNext | Action::Up | Action::Down
    ) {
        state.chat.history_pos = None;
    }
    if context == Context::ChatInput {
        input_action(state, action)
    } else {
        conversation_action(state, action)
    }
}

/// A key typed into the question.
pub fn type_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.chat.history_pos = None;
    state.chat.input.input(key);
    Vec::new()
}

fn input_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let c = &mut state.chat;
    let empty = c.input.lines().iter().all(|l| l.trim().is_empty());
    Some(match action {
        Action::Back => {
            c.writing = false;
            stop(state)
        }
        Action::Newline => {
            c.input.insert_newline();
            Vec::new()
        }
        Action::Send => send(state),
        // Up walks the questions asked from an empty input (or once walking); else it moves
        // the cursor in the question.
        Action::HistoryPrev if empty || c.history_pos.is_some() => {
            browse_history(state, -1);
            Vec::new()
        }
        Action::HistoryNext if c.history_pos.is_some() => {
            browse_history(state, 1);
            Vec::new()
        }
        Action::PageUp | Action::PageDown | Action::Follow => {
            scroll(state, action);
            Vec::new()
        }
        _ => return None,
    })
}

fn conversation_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    if !matches!(action, Action::NextIssue | Action::Open | Action::Back) {
        state.chat.citation = None;
    }
    let c = &mut state.chat;
    Some(match action {
        Action::NextIssue => {
            next_citation(state).unwrap_or_else(|| crate::app::keys::act(state, Action::NextTab))
        }
        Action::Back if c.citation.is_some() => {
            c.citation = None;
            Vec::new()
        }
        Action::Back => stop(state),
        Action::Open if c.citation.is_some() => open_citation(state),
        Action::Open | Action::Write => {
            c.writing = true;
            Vec::new()
        }
        Action::PageUp | Action::PageDown | Action::Follow => {
            scroll(state, action);
            Vec::new()
        }
        Action::Up => {
            c.follow = false;
            c.scroll = c.scroll.saturating_sub(1);
            Vec::new()
        }
        Action::Down => {
            c.scroll = c.scroll.saturating_add(1);
            Vec::new()
        }
        Action::Retry => retry(state),
        Action::New => {
            let effects = stop(state);
            let c = &mut state.chat;
            // Also makes a last conversation still being loaded stale.
            c.turn += 1;
            c.turns.clear();
            c.conversation = None;
            c.follow = true;
            c.writing = true;
            effects
        }
        Action::ToggleContext => {
            c.show_context = !c.show_context;
            Vec::new()
        }
        Action::ToggleReasoning => {
            c.show_reasoning = !c.show_reasoning;
            Vec::new()
        }
        Action::NextModel => {
            switch_model(state);
            Vec::new()
        }
        Action::Conversations => {
            c.conversations = Some(ConversationList::default());
            vec![Effect::LoadConversations]
        }
        Action::OpenProposal => open_proposal(state),
        _ => return None,
    })
}

/// The last proposal the model made in this conversation, in the Proposals tab.
fn open_proposal(state: &mut State) -> Vec<Effect> {
    let last = state
        .chat
        .turns
        .iter()
        .rev()
        .find_map(|t| t.proposals.last().copied());
    if let Some(id) = last {
        crate::app::proposals::open(state, id)
    } else {
        crate::app::flash(
            state,
            "the model proposed nothing in this conversation",
            false,
        );
        Vec::new()
    }
}

fn scroll(state: &mut State, action: Action) {
    let c = &mut state.chat;
    match action {
        Action::PageUp => {
            c.follow = false;
            c.scroll = c.scroll.saturating_sub(10);
        }
        Action::PageDown => c.scroll = c.scroll.saturating_add(10),
        _ => c.follow = true,
    }
}

/// The list of stored conversations: move, reopen one, or close it.
fn list_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let list = state.chat.conversations.as_mut()?;
    match action {
        Action::Close | Action::Back => state.chat.conversations = None,
        Action::Down => list.selected = (list.selected + 1).min(list.items.len().saturating_sub(1)),
        Action::Up => list.selected = list.selected.saturating_sub(1),
        Action::Open => {
            let Some(id) = list.items.get(list.selected).map(|c| c.id) else {
                return Some(Vec::new());
            };
            state.chat.conversations = None;
            let mut effects = stop(state);
            effects.push(Effect::LoadChat(Some(id)));
            return Some(effects);
        }
        _ => return None,
    }
    Some(Vec::new())
}
