//! Styles parsed markdown (`domain::markdown`) for the screen.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::config::theme::Theme;
use crate::domain::markdown::{MdKind, MdLine, MdSpan};

pub fn to_lines<'a>(lines: &'a [MdLine], theme: &Theme) -> Vec<Line<'a>> {
    lines.iter().map(|line| styled(line, theme, None)).collect()
}

/// One line; a citation span is drawn in the accent style, or selected when it cites
/// `selected`.
pub fn styled<'a>(line: &'a MdLine, theme: &Theme, selected: Option<&str>) -> Line<'a> {
    let base = match line.kind {
        MdKind::Heading => theme.header,
        MdKind::Code => theme.accent,
        MdKind::Quote => theme.dim,
        MdKind::Text | MdKind::Blank => theme.base,
    };
    let mut spans: Vec<Span<'a>> = Vec::new();
    if line.kind == MdKind::Code {
        spans.push(Span::styled("│ ", theme.dim));
    } else if line.kind == MdKind::Quote {
        spans.push(Span::styled("▌ ", theme.dim));
    }
    spans.extend(
        line.spans
            .iter()
            .map(|s| Span::styled(s.text.as_str(), span_style(s, base, theme, selected))),
    );
    Line::from(spans)
}

fn span_style(s: &MdSpan, base: Style, theme: &Theme, selected: Option<&str>) -> Style {
    if !s.cites.is_empty() {
        return if selected.is_some_and(|k| s.cites.iter().any(|c| c == k)) {
            theme.selected
        } else {
            theme.accent
        };
    }
    let mut style = base;
    if s.strong {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.emphasis {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if s.code {
        style = style.patch(theme.accent);
    }
    style
}

/// Whether the line holds a span citing `key`.
pub fn cites(line: &MdLine, key: &str) -> bool {
    line.spans.iter().any(|s| s.cites.iter().any(|c| c == key))
}
