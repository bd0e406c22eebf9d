//! Edits of the generated tree, and checking the rules again on it.

use super::{GeneratorPane, Item};
use crate::app::msg::Effect;
use crate::generator::Backlog;

pub(super) fn recheck(g: &mut GeneratorPane) -> Vec<Effect> {
    let Some(proposal) = g.proposal else {
        return Vec::new();
    };
    if g.checking {
        g.check_again = true;
        return Vec::new();
    }
    g.checking = true;
    g.activity = crate::domain::text::SafeText::line("checking the rules…");
    vec![Effect::RecheckGenerated {
        proposal,
        backlog: Box::new(Backlog::clone(&g.tree)),
    }]
}

pub(super) fn title(tree: &Backlog, item: Item) -> String {
    let epic = &tree.epics[item.epic];
    match (item.story, item.task) {
        (None, _) => epic.title.clone(),
        (Some(s), None) => epic.stories[s].title.clone(),
        (Some(s), Some(t)) => epic.stories[s].tasks[t].title.clone(),
    }
}

pub(super) fn set_title(tree: &mut Backlog, item: Item, text: String) {
    let epic = &mut tree.epics[item.epic];
    match (item.story, item.task) {
        (None, _) => epic.title = text,
        (Some(s), None) => epic.stories[s].title = text,
        (Some(s), Some(t)) => epic.stories[s].tasks[t].title = text,
    }
}

pub(super) fn bump(tree: &mut Backlog, item: Item, by: f64) {
    let Some(s) = item.story else {
        return;
    };
    let story = &mut tree.epics[item.epic].stories[s];
    let points = match item.task {
        None => &mut story.points,
        Some(t) => &mut story.tasks[t].points,
    };
    *points = Some((points.unwrap_or(0.0) + by).max(0.0));
}

pub(super) fn drop_item(tree: &mut Backlog, item: Item) {
    match (item.story, item.task) {
        (None, _) => {
            tree.epics.remove(item.epic);
        }
        (Some(s), None) => {
            tree.epics[item.epic].stories.remove(s);
        }
        (Some(s), Some(t)) => {
            tree.epics[item.epic].stories[s].tasks.remove(t);
        }
    }
}
