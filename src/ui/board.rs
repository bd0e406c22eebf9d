//! The sprint board: a sprint's issues in columns by status category or workflow status.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::symbols;
use crate::app::State;
use crate::app::state::BoardColumn;
use crate::config::theme::Theme;
use crate::domain::text::{Safe, SafeText};
use crate::store::read::IssueRow;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let b = &state.board;
    if !b.loaded {
        let (text, style) = match &b.error {
            Some(e) => (format!(" {e}"), theme.error),
            None => (" loading…".to_owned(), theme.dim),
        };
        frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    }
    if b.columns.is_empty() {
        return;
    }
    let n = u32::try_from(b.columns.len()).unwrap_or(1);
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, n); b.columns.len()]).split(area);
    for (i, column) in b.columns.iter().enumerate() {
        let focused = i == b.column;
        let mut block = column_block(state, column, focused);
        if i == 0 {
            // What the board shows, since `p` and `[`/`]` change it.
            block = block.title_bottom(Line::from(Span::styled(
                format!(" {} ", b.heading),
                theme.dim,
            )));
        }
        let inner_height = usize::from(areas[i].height.saturating_sub(2));
        let lines = card_lines(state, column, focused, inner_height);
        frame.render_widget(Paragraph::new(lines).block(block), areas[i]);
    }
}

/// The column frame: title with the card count (against its WIP limit) and points.
fn column_block<'a>(state: &State, column: &BoardColumn, focused: bool) -> Block<'a> {
    let theme = &state.settings.theme;
    let cards = &column.cards;
    let points: f64 = cards.iter().filter_map(|c| c.story_points).sum();
    let limit = state
        .settings
        .wip_limits
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&column.limit_key))
        .map(|(_, l)| *l);
    let over = limit.is_some_and(|l| cards.len() > usize::try_from(l).unwrap_or(usize::MAX));
    let count = match limit {
        Some(l) => format!("{}/{l}", cards.len()),
        None => cards.len().to_string(),
    };
    let flag = if over {
        format!("{} ", symbols::OVERDUE)
    } else {
        String::new()
    };
    let title = &column.title;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(" {flag}{title} {count} · {points} pts "));
    if over {
        block = block.title_style(theme.overdue);
    } else if focused {
        block = block.title_style(theme.accent);
    }
    if focused {
        block = block.border_style(theme.accent);
    }
    block
}

/// Two lines per card (lane headers between lanes), scrolled to keep the selection visible.
fn card_lines(
    state: &State,
    column: &BoardColumn,
    focused: bool,
    inner_height: usize,
) -> Vec<Line<'static>> {
    let theme = &state.settings.theme;
    let b = &state.board;
    let visible = (inner_height / 2).max(1);
    let selected = column.selected;
    let offset = selected.saturating_sub(visible - 1);
    let mut lines = Vec::new();
    let mut lane: Option<SafeText> = None;
    for (n, card) in column.cards.iter().enumerate().skip(offset).take(visible) {
        let this_lane = b.swimlanes.lane(card);
        if this_lane.is_some() && this_lane != lane {
            lines.push(Line::from(Span::styled(
                format!("── {}", this_lane.as_deref().unwrap_or("")),
                theme.group_header,
            )));
            lane = this_lane;
        }
        let mut first = card_line(theme, card, b.pending.contains(&card.id));
        if focused && n == selected {
            first = first.style(theme.selected);
        }
        lines.push(first);
        lines.push(Line::from(Span::styled(
            format!("  {}", card.title),
            theme.dim,
        )));
    }
    if column.cards.is_empty() {
        lines.push(Line::from(Span::styled("(empty)", theme.dim)));
    }
    lines
}

/// Key, points, first assignee, and the blocked and pending-push marks.
fn card_line(theme: &Theme, card: &Safe<IssueRow>, pending: bool) -> Line<'static> {
    let (style, symbol) = symbols::category(theme, &card.status_category);
    let points = card
        .story_points
        .map(|p| format!(" {p}p"))
        .unwrap_or_default();
    let who = card
        .assignees
        .as_deref()
        .and_then(|a| a.split(", ").next())
        .map(|a| format!("  {a}"))
        .unwrap_or_default();
    let mut line = Line::from(vec![
        Span::styled(format!("{symbol} "), style),
        Span::raw(card.key.clone()),
        Span::styled(points, theme.accent),
        Span::styled(who, theme.dim),
    ]);
    if card.blocked {
        line.spans.push(Span::styled(
            format!(" {}", symbols::BLOCKED),
            theme.blocked,
        ));
    }
    if pending {
        line.spans
            .push(Span::styled(" ⇡ pending push", theme.accent));
    }
    line
}
