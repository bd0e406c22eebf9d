//! The sprint board: the active sprint's issues in columns by status category.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::symbols;
use crate::app::State;
use crate::app::state::BOARD_COLUMNS;
use crate::domain::text::sanitize;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let b = &state.board;
    if !b.loaded {
        let (text, style) = match &b.error {
            Some(e) => (format!(" {}", sanitize(e, false)), theme.error),
            None => (" loading…".to_owned(), theme.dim),
        };
        frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    }
    let areas = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(area);
    for (i, ((name, title), cards)) in BOARD_COLUMNS.iter().zip(&b.columns).enumerate() {
        let points: f64 = cards.iter().filter_map(|c| c.story_points).sum();
        let limit = state.settings.wip_limits.get(*name).copied();
        let over = limit.is_some_and(|l| cards.len() > usize::try_from(l).unwrap_or(usize::MAX));
        let count = match limit {
            Some(l) => format!("{}/{l}", cards.len()),
            None => cards.len().to_string(),
        };
        let header = format!(
            " {}{title} {count} · {points} pts ",
            if over {
                format!("{} ", symbols::OVERDUE)
            } else {
                String::new()
            }
        );
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(header);
        if over {
            block = block.title_style(theme.overdue);
        } else if i == b.column {
            block = block.title_style(theme.accent);
        }
        if i == b.column {
            block = block.border_style(theme.accent);
        }
        let inner_height = usize::from(areas[i].height.saturating_sub(2));
        let per_card = 2;
        let visible = (inner_height / per_card).max(1);
        let selected = b.card[i];
        let offset = selected.saturating_sub(visible - 1);
        let mut lines = Vec::new();
        let mut lane: Option<String> = None;
        for (n, card) in cards.iter().enumerate().skip(offset).take(visible) {
            let this_lane = b.swimlanes.lane(card);
            if this_lane.is_some() && this_lane != lane {
                lines.push(Line::from(Span::styled(
                    format!("── {}", sanitize(this_lane.as_deref().unwrap_or(""), false)),
                    theme.group_header,
                )));
                lane = this_lane;
            }
            let (style, symbol) = theme.category(&card.status_category);
            let points = card
                .story_points
                .map(|p| format!(" {p}p"))
                .unwrap_or_default();
            let who = card
                .assignees
                .as_deref()
                .and_then(|a| a.split(", ").next())
                .map(|a| format!("  {}", sanitize(a, false)))
                .unwrap_or_default();
            let mut first = Line::from(vec![
                Span::styled(format!("{symbol} "), style),
                Span::raw(sanitize(&card.key, false)),
                Span::styled(points, theme.accent),
                Span::styled(who, theme.dim),
            ]);
            if card.blocked {
                first.spans.push(Span::styled(
                    format!(" {}", symbols::BLOCKED),
                    theme.blocked,
                ));
            }
            if b.pending.contains(&card.id) {
                first
                    .spans
                    .push(Span::styled(" ⇡ pending push", theme.accent));
            }
            if i == b.column && n == selected {
                first = first.style(theme.selected);
            }
            lines.push(first);
            lines.push(Line::from(Span::styled(
                format!("  {}", sanitize(&card.title, false)),
                theme.dim,
            )));
        }
        if cards.is_empty() {
            lines.push(Line::from(Span::styled("(empty)", theme.dim)));
        }
        frame.render_widget(Paragraph::new(lines).block(block), areas[i]);
    }
}
