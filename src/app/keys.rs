//! Keys become actions through the keymap, in the context the keyboard is in; every action
//! passes one gate (read-only mode refuses those that write) and goes to its pane. A key bound
//! to nothing in a text input is typed into it.

use crossterm::event::{KeyEvent, KeyEventKind};

use super::msg::Effect;
use super::state::{PromptStage, State, Tab};
use super::{backlog, board, chat, dashboard, detail, filter, generator, prompt, proposals};
use super::{overlays, sync, update};
use crate::keymap::{Action, Context, Key, Lookup};

/// The keymap context the keyboard is in now.
pub fn context(state: &State) -> Context {
    if state.sync.view.is_some() {
        return Context::SyncRuns;
    }
    if state.help {
        return Context::Help;
    }
    pane_context(state)
}

/// The context of the pane on screen, under the help and the sync runs when they are open.
pub fn pane_context(state: &State) -> Context {
    if let Some(p) = &state.prompt {
        return match p.stage {
            PromptStage::Pick { .. } => Context::Prompt,
            PromptStage::Inputs { .. } => Context::PromptInputs,
            PromptStage::Rendering { .. } => Context::PromptRendering,
            PromptStage::Preview(_) => Context::PromptPreview,
            PromptStage::Output { .. } => Context::PromptOutput,
            PromptStage::Failed(_) => Context::PromptFailed,
        };
    }
    if state.filter.open {
        return Context::Filter;
    }
    match state.tab {
        Tab::Backlog => match &state.detail {
            Some(d) if d.editing.is_some() => Context::DetailEdit,
            Some(_) => Context::Detail,
            None => Context::Backlog,
        },
        Tab::Dashboard => Context::Dashboard,
        Tab::Board => Context::Board,
        Tab::Chat => chat::context(state),
        Tab::Proposals => proposals::context(state),
    }
}

/// The pane as the status bar's hints see it: its sub-modes count as the pane.
pub fn hint_context(state: &State) -> Context {
    match pane_context(state) {
        Context::DetailEdit => Context::Detail,
        Context::ChatInput | Context::ChatList => Context::Chat,
        Context::ProposalEdit
        | Context::ProposalReject
        | Context::Audit
        | Context::Generator
        | Context::GeneratorRunning
        | Context::GeneratorQuestions
        | Context::GeneratorReview
        | Context::GeneratorInput => Context::Proposals,
        Context::Prompt
        | Context::PromptInputs
        | Context::PromptRendering
        | Context::PromptPreview
        | Context::PromptOutput
        | Context::PromptFailed => Context::Backlog,
        other => other,
    }
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let Some(pressed) = Key::from_event(&key) else {
        return Vec::new();
    };
    // The one key no keymap can take away: it quits from anywhere, text inputs included.
    if pressed == Key::interrupt() {
        state.quit = true;
        return Vec::new();
    }
    let keymap = &state.settings.keymap;
    if state.too_small() {
        state.quit = keymap.bound(Context::Global, &[pressed]) == Some(Action::Quit);
        return Vec::new();
    }
    state.dirty = true;
    let context = context(state);
    let mut keys = std::mem::take(&mut state.pending_keys);
    keys.push(pressed);
    let mut lookup = keymap.lookup(context, &keys);
    if lookup == Lookup::Unbound && keys.len() > 1 {
        // An abandoned chord: the last key counts on its own.
        lookup = keymap.lookup(context, &[pressed]);
    }
    match lookup {
        Lookup::Pending => {
            state.pending_keys = keys;
            Vec::new()
        }
        Lookup::Action(action) => run(state, context, action, Some(key)),
        Lookup::Unbound => unbound(state, context, key),
    }
}

/// Does `action` in the context the keyboard is in, as its key would (the same gate first).
pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let context = context(state);
    run(state, context, action, None)
}

/// The one gate: in read-only mode an action that writes is refused, and said so. Panes that
/// reach a writing step from an action that does not write (enter on the form's last field)
/// ask here too.
pub fn refused(state: &mut State, action: Action) -> bool {
    if !(action.writes() && state.settings.read_only) {
        return false;
    }
    update::flash(
        state,
        &format!("read-only mode: `{}` is disabled", action.description()),
        true,
    );
    true
}

fn run(state: &mut State, context: Context, action: Action, key: Option<KeyEvent>) -> Vec<Effect> {
    state.dirty = true;
    if refused(state, action) {
        return Vec::new();
    }
    if let Some(effects) = global(state, action) {
        return effects;
    }
    match in_context(state, context, action) {
        Some(effects) => effects,
        // The pane passed: in a text input the key is typed (the arrow moves the cursor).
        None => key.map_or_else(Vec::new, |key| unbound(state, context, key)),
    }
}

/// Actions that mean the same everywhere they are bound.
fn global(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::Quit => {
            state.quit = true;
            Vec::new()
        }
        Action::Help => {
            state.help = true;
            state.help_scroll = 0;
            Vec::new()
        }
        Action::SyncView => sync::toggle_view(state),
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == state.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = if action == Action::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            update::switch_tab(state, Tab::ALL[next])
        }
        Action::Refresh => update::refresh(state),
        _ => return None,
    })
}

/// The pane's answer to `action`; `None`: not handled here.
fn in_context(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    match context {
        Context::Global => None,
        Context::Backlog => backlog::act(state, action),
        Context::Detail | Context::DetailEdit => detail::act(state, context, action),
        Context::Filter => filter::act(state, action),
        Context::Dashboard => Some(dashboard::action(state, action)),
        Context::Board => Some(board::action(state, action)),
        Context::Chat | Context::ChatInput | Context::ChatList => chat::act(state, context, action),
        Context::Proposals | Context::ProposalReject | Context::ProposalEdit | Context::Audit => {
            proposals::act(state, context, action)
        }
        Context::Generator
        | Context::GeneratorRunning
        | Context::GeneratorQuestions
        | Context::GeneratorReview
        | Context::GeneratorInput => generator::act(state, context, action),
        Context::Prompt
        | Context::PromptInputs
        | Context::PromptRendering
        | Context::PromptPreview
        | Context::PromptOutput
        | Context::PromptFailed => prompt::act(state, context, action),
        Context::Help | Context::SyncRuns => overlays::act(state, context, action),
    }
}

/// A key bound to nothing (or passed by its pane): typed into the text input that has the
/// keyboard; a failed prompt goes back to its templates on any key.
fn unbound(state: &mut State, context: Context, key: KeyEvent) -> Vec<Effect> {
    match context {
        Context::Filter => filter::type_key(state, key),
        Context::DetailEdit => detail::type_key(state, key),
        Context::ChatInput => chat::type_key(state, key),
        Context::ProposalReject => proposals::type_key(state, key),
        Context::Generator | Context::GeneratorQuestions | Context::GeneratorInput => {
            generator::type_key(state, key)
        }
        Context::PromptInputs | Context::PromptOutput => prompt::type_key(state, key),
        Context::PromptFailed => act(state, Action::Templates),
        _ => Vec::new(),
    }
}
