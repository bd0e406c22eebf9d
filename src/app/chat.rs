//! The chat pane: a question is sent with a turn id; its stream's events come back tagged with
//! that id and are applied only while it is the current turn (a stopped or replaced turn's late
//! chunks are dropped). Esc stops (the runtime aborts the request); `r` on an empty input asks
//! the last question again, `n` starts a new conversation.

use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{ChatPhase, ChatTurn, ConversationList, State, TurnStatus};

use crate::domain::markdown::{self, MdLine, MdSpan};
use crate::domain::text::sanitize;
use crate::llm::LlmEvent;

/// Keys typed in the chat pane; `None` lets the key through to the keymap (tab switching,
/// help, quit). The input has the keys while a question is written; Esc moves to the
/// conversation, where letters are commands (`r` asks again, `n` new, ...) and `i` or Enter
/// goes back to writing.
pub fn on_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    if state.chat.conversations.is_some() {
        return Some(list_key(state, key));
    }
    state.dirty = true;
    if !matches!(key.code, KeyCode::Up | KeyCode::Down) {
        state.chat.history_pos = None;
    }
    if state.chat.writing {
        input_key(state, key)
    } else {
        conversation_key(state, key)
    }
}

fn input_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let empty = state.chat.input.lines().iter().all(|l| l.trim().is_empty());
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Tab | KeyCode::BackTab => return None,
        KeyCode::Char('c') if ctrl => return None,
        KeyCode::Esc => {
            state.chat.writing = false;
            stop(state)
        }
        KeyCode::Enter if alt => {
            state.chat.input.insert_newline();
            Vec::new()
        }
        KeyCode::Enter => send(state),
        KeyCode::Up if empty || state.chat.history_pos.is_some() => {
            browse_history(state, -1);
            Vec::new()
        }
        KeyCode::Down if state.chat.history_pos.is_some() => {
            browse_history(state, 1);
            Vec::new()
        }
        KeyCode::PageUp | KeyCode::PageDown | KeyCode::End => {
            scroll(state, key.code);
            Vec::new()
        }
        _ => {
            state.chat.input.input(key);
            Vec::new()
        }
    })
}

fn conversation_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
    if !matches!(key.code, KeyCode::Tab | KeyCode::Enter | KeyCode::Esc) {
        state.chat.citation = None;
    }
    Some(match key.code {
        KeyCode::Tab => return next_citation(state),
        KeyCode::Esc if state.chat.citation.is_some() => {
            state.chat.citation = None;
            Vec::new()
        }
        KeyCode::Esc => stop(state),
        KeyCode::Enter if state.chat.citation.is_some() => open_citation(state),
        KeyCode::Enter | KeyCode::Char('i') => {
            state.chat.writing = true;
            Vec::new()
        }
        KeyCode::PageUp | KeyCode::PageDown | KeyCode::End => {
            scroll(state, key.code);
            Vec::new()
        }
        KeyCode::Up | KeyCode::Char('k') => {
            state.chat.follow = false;
            state.chat.scroll = state.chat.scroll.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Down | KeyCode::Char('j') => {
            state.chat.scroll = state.chat.scroll.saturating_add(1);
            Vec::new()
        }
        KeyCode::Char(c) if plain => return command(state, c),
        _ => return None,
    })
}

fn scroll(state: &mut State, code: KeyCode) {
    let c = &mut state.chat;
    match code {
        KeyCode::PageUp => {
            c.follow = false;
            c.scroll = c.scroll.saturating_sub(10);
        }
        KeyCode::PageDown => c.scroll = c.scroll.saturating_add(10),
        _ => c.follow = true,
    }
}

/// One-letter commands on the conversation.
fn command(state: &mut State, c: char) -> Option<Vec<Effect>> {
    Some(match c {
        'r' => retry(state),
        'n' => {
            let effects = stop(state);
            // Also makes a last conversation still being loaded stale.
            state.chat.turn += 1;
            state.chat.turns.clear();
            state.chat.conversation = None;
            state.chat.follow = true;
            state.chat.writing = true;
            effects
        }
        'c' => {
            state.chat.show_context = !state.chat.show_context;
            Vec::new()
        }
        't' => {
            state.chat.show_reasoning = !state.chat.show_reasoning;
            Vec::new()
        }
        'm' => {
            switch_model(state);
            Vec::new()
        }
        'o' => {
            state.chat.conversations = Some(ConversationList::default());
            vec![Effect::LoadConversations]
        }
        'p' => {
            let last = state
                .chat
                .turns
                .iter()
                .rev()
                .find_map(|t| t.proposals.last().copied());
            if let Some(id) = last {
                super::proposals::open(state, id)
            } else {
                super::flash(
                    state,
                    "the model proposed nothing in this conversation",
                    false,
                );
                Vec::new()
            }
        }
        _ => return None,
    })
}

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

/// The list of stored conversations: j/k or arrows move, Enter reopens, Esc closes.
fn list_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(list) = state.chat.conversations.as_mut() else {
        return Vec::new();
    };
    state.dirty = true;
    match key.code {
        KeyCode::Esc | KeyCode::Char('q' | 'o') => state.chat.conversations = None,
        KeyCode::Down | KeyCode::Char('j') => {
            list.selected = (list.selected + 1).min(list.items.len().saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => list.selected = list.selected.saturating_sub(1),
        KeyCode::Enter => {
            let Some(id) = list.items.get(list.selected).map(|c| c.id) else {
                return Vec::new();
            };
            state.chat.conversations = None;
            let mut effects = stop(state);
            effects.push(Effect::LoadChat(Some(id)));
            return effects;
        }
        _ => {}
    }
    Vec::new()
}

pub fn on_conversations(
    state: &mut State,
    result: Result<Vec<crate::store::chat::Conversation>, String>,
) -> Vec<Effect> {
    match (result, state.chat.conversations.as_mut()) {
        (Ok(items), Some(list)) => {
            list.items = items;
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

/// An answer as markdown lines (control sequences removed), each `[OPS-12]` (or
/// `[OPS-1, OPS-2]`) cut into a span of its own that names the keys it cites.
pub fn answer_lines(answer: &str) -> Vec<MdLine> {
    markdown::parse(answer)
        .into_iter()
        .map(|line| MdLine {
            kind: line.kind,
            spans: split_citations(join_runs(line.spans)),
        })
        .collect()
}

/// The parser cuts text at brackets: runs of one look are joined again first.
fn join_runs(spans: Vec<MdSpan>) -> Vec<MdSpan> {
    let mut out: Vec<MdSpan> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(last) if last.same_look(&s) => last.text.push_str(&s.text),
            _ => out.push(s),
        }
    }
    out
}

fn split_citations(spans: Vec<MdSpan>) -> Vec<MdSpan> {
    let mut out = Vec::new();
    for span in spans {
        let piece = |text: &str, cites: Vec<String>| MdSpan {
            text: text.to_owned(),
            cites,
            ..span.clone()
        };
        let mut rest = span.text.as_str();
        while let Some(open) = rest.find('[') {
            let Some(len) = rest[open..].find(']') else {
                break;
            };
            let candidate = &rest[open..=open + len];
            let keys = cited_keys(candidate);
            if keys.is_empty() {
                out.push(piece(&rest[..=open], Vec::new()));
                rest = &rest[open + 1..];
                continue;
            }
            if open > 0 {
                out.push(piece(&rest[..open], Vec::new()));
            }
            out.push(piece(candidate, keys));
            rest = &rest[open + len + 1..];
        }
        if !rest.is_empty() {
            out.push(piece(rest, Vec::new()));
        }
    }
    out
}

/// The keys a `[...]` span cites (none when it is not a citation).
fn cited_keys(span: &str) -> Vec<String> {
    span.strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .map(crate::llm::context::named_keys)
        .unwrap_or_default()
}

/// The turn's answer changed: its lines and citations follow (the only parse of it).
fn reparse(turn: &mut ChatTurn) {
    turn.lines = answer_lines(&turn.answer);
    turn.cites = crate::llm::context::citations(&turn.answer);
}

/// The pane's first showing: the last conversation comes back.
pub fn on_enter(state: &mut State) -> Vec<Effect> {
    if state.chat.loaded || state.settings.llm_name.is_none() {
        return Vec::new();
    }
    state.chat.loaded = true;
    vec![Effect::LoadChat(None), Effect::WarmChat]
}

pub fn on_events(state: &mut State, turn: u64, events: Vec<LlmEvent>) -> Vec<Effect> {
    let before = state.chat.turns.last().map(|t| t.answer.len());
    let mut effects = Vec::new();
    for event in events {
        effects.extend(on_event(state, turn, event));
    }
    // Only the streaming turn is parsed again, once per batch of pieces; a finished one was
    // parsed for the last time when it finished.
    if turn == state.chat.turn
        && let Some(t) = state.chat.turns.last_mut()
        && t.status == TurnStatus::Streaming
        && Some(t.answer.len()) != before
    {
        reparse(t);
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
        LlmEvent::Context(text) => t.context = Some(text),
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
            t.status = TurnStatus::Failed(e.to_string());
            t.waiting = None;
            c.phase = ChatPhase::Idle;
            return finish_last(state).into_iter().collect();
        }
    }
    Vec::new()
}
