//! The Sync view: recent sync runs with their counts and errors, over the current pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};

use crate::app::State;
use crate::keymap::{Action, Context};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(view) = &state.sync.view else {
        return;
    };
    let theme = &state.settings.theme;
    let popup = area.inner(ratatui::layout::Margin::new(2, 1));
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(
            " sync runs ({} closes, {}) ",
            super::hints::key(state, Context::SyncRuns, Action::Close).unwrap_or_default(),
            super::hints::pair(
                state,
                Context::SyncRuns,
                (Action::Down, Action::Up),
                "scroll"
            )
            .unwrap_or_default()
        ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let message = if let Some(e) = &view.error {
        Some((e.to_string(), theme.error))
    } else if !view.loaded {
        Some(("loading…".to_owned(), theme.dim))
    } else if view.runs.is_empty() {
        let text = if state.settings.sync_every.is_some() {
            "no sync has run yet: ctrl-r starts one"
        } else {
            "no sync runs: configure [[gitlab]] or [[jira]] sources (see config.example.toml), or run `sprintdeck sync`"
        };
        Some((text.to_owned(), theme.dim))
    } else {
        None
    };
    if let Some((text, style)) = message {
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let header = Row::new([
        "started", "source", "kind", "state", "pages", "seen", "changed", "error",
    ])
    .style(theme.header);
    let rows = view.runs.iter().skip(usize::from(view.scroll)).map(|r| {
        let style = match r.state.as_str() {
            "failed" => theme.error,
            "running" => theme.accent,
            "cancelled" => theme.dim,
            _ => theme.base,
        };
        Row::new(vec![
            Line::from(
                r.started_at
                    .replace('T', " ")
                    .trim_end_matches('Z')
                    .to_owned(),
            ),
            Line::from(r.source_name.clone()),
            Line::from(r.kind.clone()),
            Line::from(Span::styled(r.state.clone(), style)),
            Line::from(r.pages.to_string()),
            Line::from(r.issues_seen.to_string()),
            Line::from(r.issues_changed.to_string()),
            Line::from(Span::styled(
                r.error.clone().unwrap_or_default(),
                theme.error,
            )),
        ])
    });
    let widths = [
        Constraint::Length(19),
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Fill(1),
    ];
    frame.render_widget(Table::new(rows, widths).header(header), inner);
}
