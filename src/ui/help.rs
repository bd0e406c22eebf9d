use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{State, context};
use crate::keymap::{Context, format_chord};

/// Keys of the current context, then global ones, generated from the keymap.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let ctx = context(state);
    let keymap = &state.settings.keymap;
    let mut lines = Vec::new();
    let mut sections = vec![ctx];
    if ctx.inherits_global() {
        sections.push(Context::Global);
    }
    for section in sections {
        lines.push(Line::from(Span::styled(section.name(), theme.header)));
        // One line per action, with every chord bound to it.
        let mut seen: Vec<String> = Vec::new();
        for binding in keymap.bindings(section) {
            let name = binding.action.name();
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let keys: Vec<String> = keymap
                .bindings(section)
                .iter()
                .filter(|b| b.action == binding.action)
                .map(|b| format_chord(&b.chord))
                .collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(", ")), theme.key_hint),
                Span::raw(binding.action.description()),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled(
        "esc, q or ? closes this help",
        theme.dim,
    )));
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let width = 64.min(area.width);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(format!(" keys: {} ", ctx.name())),
        ),
        popup,
    );
}
