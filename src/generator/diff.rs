//! What a refinement changed: the revised backlog against the one it replaces, item by item
//! (matched by title under the same parent, case and spacing aside).

use std::fmt::Write as _;

use super::backlog::{Backlog, Story};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub mark: Mark,
    /// `epic`, `story` or `task`.
    pub level: &'static str,
    /// The item's title (and its parent's, for stories and tasks).
    pub what: String,
    /// For a change: what differs.
    pub detail: String,
}

fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

fn points(p: Option<f64>) -> String {
    p.map_or_else(|| "no estimate".to_owned(), |p| format!("{p} points"))
}

/// How `new` differs from `old`: removed and changed items in the old order, then added ones.
pub fn diff(old: &Backlog, new: &Backlog) -> Vec<DiffLine> {
    let mut out = Vec::new();
    let line = |mark, level, what: String, detail: String| DiffLine {
        mark,
        level,
        what,
        detail,
    };
    for epic in &old.epics {
        let Some(now) = new.epics.iter().find(|e| same(&e.title, &epic.title)) else {
            out.push(line(
                Mark::Removed,
                "epic",
                epic.title.clone(),
                String::new(),
            ));
            continue;
        };
        for story in &epic.stories {
            match now.stories.iter().find(|s| same(&s.title, &story.title)) {
                None => out.push(line(
                    Mark::Removed,
                    "story",
                    story.title.clone(),
                    String::new(),
                )),
                Some(revised) => {
                    let detail = story_changes(story, revised);
                    if !detail.is_empty() {
                        out.push(line(Mark::Changed, "story", story.title.clone(), detail));
                    }
                }
            }
        }
        for story in &now.stories {
            if !epic.stories.iter().any(|s| same(&s.title, &story.title)) {
                out.push(line(
                    Mark::Added,
                    "story",
                    story.title.clone(),
                    format!("{}, under {}", points(story.points), now.title),
                ));
            }
        }
    }
    for epic in &new.epics {
        if !old.epics.iter().any(|e| same(&e.title, &epic.title)) {
            out.push(line(
                Mark::Added,
                "epic",
                epic.title.clone(),
                format!("{} stories", epic.stories.len()),
            ));
        }
    }
    out
}

fn story_changes(old: &Story, new: &Story) -> String {
    let mut parts = Vec::new();
    if old.points != new.points {
        parts.push(format!("{} → {}", points(old.points), points(new.points)));
    }
    if old.acceptance_criteria != new.acceptance_criteria {
        parts.push(format!(
            "criteria {} → {}",
            old.acceptance_criteria.len(),
            new.acceptance_criteria.len()
        ));
    }
    let tasks = |s: &Story| {
        s.tasks
            .iter()
            .map(|t| t.title.to_lowercase())
            .collect::<Vec<_>>()
    };
    if tasks(old) != tasks(new) {
        parts.push(format!("tasks {} → {}", old.tasks.len(), new.tasks.len()));
    }
    if old.description.trim() != new.description.trim() {
        parts.push("description".to_owned());
    }
    parts.join(", ")
}

/// The diff as text lines (`+`, `-`, `~`), for the CLI and the proposal's explanation.
pub fn render(lines: &[DiffLine]) -> String {
    let mut out = String::new();
    for l in lines {
        let mark = match l.mark {
            Mark::Added => '+',
            Mark::Removed => '-',
            Mark::Changed => '~',
        };
        let _ = write!(out, "{mark} {} {}", l.level, l.what);
        if !l.detail.is_empty() {
            let _ = write!(out, " ({})", l.detail);
        }
        out.push('\n');
    }
    out
}
