//! Symbols that carry the same meaning as the colours, for `NO_COLOR` and colour-blind users.

use ratatui::style::Style;

use crate::config::theme::Theme;

pub const TODO: &str = "○";
pub const DOING: &str = "◐";
pub const DONE: &str = "●";
pub const OVERDUE: &str = "!";
pub const BLOCKED: &str = "⊘";
pub const SORT_ASC: &str = "▲";
pub const SORT_DESC: &str = "▼";
pub const COLLAPSED: &str = "▸";
pub const EXPANDED: &str = "▾";

/// Style and symbol of a status category (`todo`, `in_progress`, `done`).
pub fn category(theme: &Theme, category: &str) -> (Style, &'static str) {
    let symbol = match category {
        "done" => DONE,
        "in_progress" => DOING,
        _ => TODO,
    };
    (theme.category(category), symbol)
}
