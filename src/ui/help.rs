use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{State, pane_context};
use crate::keymap::{Action, Context, Keymap, describe, format_chord};

/// The keys of the pane under the help and of its other modes, then global ones, generated
/// from the keymap; scrollable when the terminal is short.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let ctx = pane_context(state);
    let keymap = &state.settings.keymap;
    let mut lines = Vec::new();
    let mut sections = ctx.family();
    if sections.iter().any(|c| c.inherits_global()) {
        sections.push(Context::Global);
    }
    for section in sections {
        lines.push(Line::from(Span::styled(section.title(), theme.header)));
        for (keys, description) in entries(keymap, section) {
            lines.push(Line::from(vec![
                Span::styled(format!(" {keys:<16} "), theme.key_hint),
                Span::raw(description),
            ]));
        }
        lines.push(Line::raw(""));
    }
    let close = super::hints::keys(state, Context::Help, Action::Close);
    lines.push(Line::from(Span::styled(
        format!("{} closes this help", super::hints::spoken(&close)),
        theme.dim,
    )));

    let total = lines.len();
    let width = u16::try_from(lines.iter().map(Line::width).max().unwrap_or(0) + 2)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let height = u16::try_from(total + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let visible = usize::from(height.saturating_sub(2));
    let max_scroll = u16::try_from(total.saturating_sub(visible)).unwrap_or(u16::MAX);
    let scroll = state.help_scroll.min(max_scroll);
    let scroll_keys =
        super::hints::pair(state, Context::Help, (Action::Down, Action::Up), "scroll");
    let title = if max_scroll > 0
        && let Some(scroll_keys) = scroll_keys
    {
        format!(" keys: {} ({scroll_keys}) ", ctx.name())
    } else {
        format!(" keys: {} ", ctx.name())
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(title),
        ),
        popup,
    );
}

/// One entry per action with every chord bound to it; the view keys share one line.
fn entries(keymap: &Keymap, section: Context) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen: Vec<Action> = Vec::new();
    let mut views = Vec::new();
    for binding in keymap.bindings(section) {
        if let Action::View(_) = binding.action {
            views.push(format_chord(&binding.chord));
            continue;
        }
        if seen.contains(&binding.action) {
            continue;
        }
        seen.push(binding.action);
        let keys: Vec<String> = keymap
            .bindings(section)
            .iter()
            .filter(|b| b.action == binding.action)
            .map(|b| format_chord(&b.chord))
            .collect();
        out.push((keys.join(", "), describe(section, binding.action)));
    }
    if !views.is_empty() {
        let keys = if views.len() > 2 {
            format!("{}…{}", views[0], views[views.len() - 1])
        } else {
            views.join(", ")
        };
        out.push((
            keys,
            "saved views from the config (0: all issues)".to_owned(),
        ));
    }
    out
}
