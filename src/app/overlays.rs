//! The overlays that hold the keyboard while open: the help and the recent sync runs.

use super::msg::Effect;
use super::state::State;
use crate::keymap::{Action, Context};

/// Scroll or close the overlay; every other key does nothing while it is open.
pub fn act(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    if context == Context::SyncRuns {
        let view = state.sync.view.as_mut()?;
        match action {
            Action::Close | Action::Back => state.sync.view = None,
            Action::Down => view.scroll = view.scroll.saturating_add(1),
            Action::Up => view.scroll = view.scroll.saturating_sub(1),
            _ => {}
        }
        return Some(Vec::new());
    }
    let scroll = &mut state.help_scroll;
    match action {
        Action::Close | Action::Back => state.help = false,
        Action::Down => *scroll = scroll.saturating_add(1),
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::PageDown => *scroll = scroll.saturating_add(10),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        _ => {}
    }
    Some(Vec::new())
}
