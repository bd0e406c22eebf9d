//! Rendering: pure functions of the state. No I/O, no clock, no sorting or filtering here;
//! untrusted text is sanitised on its way to the screen.

mod backlog;
mod board;
mod chat;
mod dashboard;
mod detail;
mod generator;
mod help;
mod hints;
mod markdown;
mod prompt;
mod proposals;
mod status;
pub mod symbols;
mod sync;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::State;
use crate::app::layout;
use crate::app::state::Tab;

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if state.too_small() {
        too_small(state, frame, area);
        return;
    }
    let areas = layout::areas(state);
    tabs(state, frame, areas.tabs);
    match (state.tab, &state.detail) {
        (Tab::Backlog, _) if let Some(p) = &state.prompt => {
            prompt::render(state, p, frame, areas.body);
        }
        (Tab::Backlog, Some(d)) => detail::render(state, d, frame, areas.body),
        (Tab::Backlog, None) => backlog::render(state, frame, &areas),
        (Tab::Dashboard, _) => dashboard::render(state, frame, areas.body),
        (Tab::Board, _) => board::render(state, frame, areas.body),
        (Tab::Chat, _) => chat::render(state, frame, areas.body),
        (Tab::Proposals, _) => proposals::render(state, frame, areas.body),
    }
    status::render(state, frame, areas.status);
    sync::render(state, frame, areas.body);
    if state.help {
        help::render(state, frame, area);
    }
}

fn tabs(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let mut spans = Vec::new();
    for (tab, label, _, _) in layout::tab_spans() {
        let style = if tab == state.tab {
            theme.tab_active
        } else {
            theme.tab_inactive
        };
        spans.push(Span::styled(label, style));
        // The queue's badge: how many proposals wait for a decision.
        let waiting = crate::app::proposals::pending(state);
        if tab == Tab::Proposals && waiting > 0 {
            spans.push(Span::styled(
                format!("({waiting})"),
                state.settings.theme.accent,
            ));
        }
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn too_small(state: &State, frame: &mut Frame, area: Rect) {
    let (w, h) = State::MIN_SIZE;
    let text = format!("terminal too small (needs {w}x{h})");
    let y = area.height / 2;
    frame.render_widget(
        Paragraph::new(Span::styled(text, state.settings.theme.error))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        Rect::new(
            area.x,
            area.y + y.saturating_sub(1),
            area.width,
            area.height - y.saturating_sub(1),
        ),
    );
}
