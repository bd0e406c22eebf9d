//! Where things go on the screen. `update` sizes the backlog window and hits mouse clicks with
//! these, and `ui` draws into the same areas, so the two always agree.

use ratatui::layout::Rect;

use super::state::{State, Tab};

pub struct Areas {
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
    /// The filter line (and its error line) above the table.
    pub filter: Option<Rect>,
    /// The table including its header row.
    pub table: Rect,
}

pub fn filter_lines(state: &State) -> u16 {
    let f = &state.filter;
    if f.open {
        if f.error.is_some() { 2 } else { 1 }
    } else {
        u16::from(!state.backlog.query_text.is_empty())
    }
}

pub fn areas(state: &State) -> Areas {
    let (w, h) = state.size;
    let tabs = Rect::new(0, 0, w, 1.min(h));
    let status = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let body = Rect::new(0, 1, w, h.saturating_sub(2));
    let lines = filter_lines(state).min(body.height);
    let filter = (lines > 0).then(|| Rect::new(0, body.y, w, lines));
    let table = Rect::new(0, body.y + lines, w, body.height - lines);
    Areas {
        tabs,
        body,
        status,
        filter,
        table,
    }
}

/// Issue rows that fit under the table header.
pub fn table_rows(state: &State) -> usize {
    usize::from(areas(state).table.height.saturating_sub(1)).max(1)
}

/// The label of each tab and the columns it spans on the tab bar.
pub fn tab_spans() -> Vec<(Tab, String, u16, u16)> {
    let mut x = 0u16;
    Tab::ALL
        .iter()
        .map(|tab| {
            let label = format!(" {} ", tab.title());
            let width = u16::try_from(label.chars().count()).unwrap_or(u16::MAX);
            let span = (*tab, label, x, x + width);
            x += width + 1;
            span
        })
        .collect()
}

pub fn tab_at(x: u16) -> Option<Tab> {
    tab_spans()
        .into_iter()
        .find(|(_, _, from, to)| (*from..*to).contains(&x))
        .map(|(tab, ..)| tab)
}
