//! The generator's review: move over the tree, change points and titles, drop items (each
//! edit checks the rules again), refine by instruction, open the proposal, start anew.

use ratatui_textarea::TextArea;

use super::tree::{bump, drop_item, recheck, set_title, title};
use super::{InputKind, Step, items, start};
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::update::flash;
use crate::keymap::Action;

/// The review's keys; `None`: not one of them.
pub fn act(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    let all = items(&g.tree);
    let selected = all.get(g.cursor).copied();
    Some(match action {
        Action::Back | Action::Close => {
            state.proposals.generator_shown = false;
            Vec::new()
        }
        Action::Down => {
            g.cursor = (g.cursor + 1).min(all.len().saturating_sub(1));
            Vec::new()
        }
        Action::Up => {
            g.cursor = g.cursor.saturating_sub(1);
            Vec::new()
        }
        Action::MorePoints | Action::FewerPoints => match selected {
            Some(item) if item.story.is_some() => {
                let by = if action == Action::MorePoints {
                    1.0
                } else {
                    -1.0
                };
                g.tree.edit(|tree| bump(tree, item, by));
                recheck(g)
            }
            _ => {
                flash(state, "points are set on stories and tasks", true);
                Vec::new()
            }
        },
        Action::Drop => match selected {
            Some(item) => {
                g.tree.edit(|tree| drop_item(tree, item));
                g.cursor = g.cursor.min(items(&g.tree).len().saturating_sub(1));
                if g.tree.epics.is_empty() {
                    flash(
                        state,
                        "every item is dropped: reject the proposal instead",
                        true,
                    );
                    return Some(Vec::new());
                }
                recheck(g)
            }
            None => Vec::new(),
        },
        Action::Edit => {
            if let Some(item) = selected {
                let mut input = TextArea::default();
                input.insert_str(title(&g.tree, item));
                g.input = Some((InputKind::Title, input));
            }
            Vec::new()
        }
        Action::Refine => {
            if g.proposal.is_some() {
                g.input = Some((InputKind::Refine, TextArea::default()));
            }
            Vec::new()
        }
        Action::OpenProposal => match g.proposal {
            Some(id) => {
                state.proposals.generator_shown = false;
                crate::app::proposals::open(state, id)
            }
            None => Vec::new(),
        },
        Action::New => {
            g.step = Step::Form;
            g.proposal = None;
            Vec::new()
        }
        _ => return None,
    })
}

/// A new title or a refinement being typed: save it, or drop it.
pub fn input_act(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    let (kind, input) = g.input.as_ref()?;
    match action {
        Action::Cancel | Action::Back => g.input = None,
        Action::Save => {
            let text = input.lines().join(" ").trim().to_owned();
            let kind = *kind;
            g.input = None;
            if text.is_empty() {
                return Some(Vec::new());
            }
            match kind {
                InputKind::Title => {
                    if let Some(item) = items(&g.tree).get(g.cursor).copied() {
                        g.tree.edit(|tree| set_title(tree, item, text));
                        return Some(recheck(g));
                    }
                }
                InputKind::Refine => {
                    let (Some(id), Some(mut job)) = (g.proposal, g.last.clone()) else {
                        return Some(Vec::new());
                    };
                    job.revise = Some((id, crate::generator::Backlog::clone(&g.tree), text));
                    job.run = g.run + 1;
                    return Some(start(g, job));
                }
            }
        }
        _ => return None,
    }
    Some(Vec::new())
}
