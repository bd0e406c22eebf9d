use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{State, context};
use crate::keymap::{Action, Context, Keymap, format_chord};

/// Keys of the current context, then global ones, generated from the keymap; scrollable when
/// the terminal is short.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let ctx = context(state);
    let keymap = &state.settings.keymap;
    let mut lines = Vec::new();
    let mut sections = vec![ctx];
    if ctx.inherits_global() {
        sections.push(Context::Global);
    }
    let own = pane_keys(ctx);
    if !own.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("{} (this pane's own keys)", ctx.name()),
            theme.header,
        )));
        for (keys, description) in own {
            lines.push(Line::from(vec![
                Span::styled(format!(" {keys:<16} "), theme.key_hint),
                Span::raw(*description),
            ]));
        }
        lines.push(Line::raw(""));
    }
    for section in sections {
        lines.push(Line::from(Span::styled(section.name(), theme.header)));
        for (keys, description) in entries(keymap, section) {
            lines.push(Line::from(vec![
                Span::styled(format!(" {keys:<16} "), theme.key_hint),
                Span::raw(description),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled(
        "esc, q or ? closes this help",
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
    let title = if max_scroll > 0 {
        format!(" keys: {} (j/k scroll) ", ctx.name())
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
        out.push((keys.join(", "), binding.action.description()));
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

/// Keys the chat and proposals panes handle themselves (typing and deciding are not part of the
/// remappable keymap), so that `?` shows them too.
fn pane_keys(ctx: Context) -> &'static [(&'static str, &'static str)] {
    match ctx {
        Context::Chat => &[
            ("enter", "send the question (alt-enter: new line)"),
            ("up / down", "earlier questions"),
            (
                "esc",
                "stop the answer; leave the input for the conversation",
            ),
            ("i", "write again (in the conversation)"),
            ("r", "ask the last question again"),
            ("n / o", "new conversation / reopen an older one"),
            ("m", "next model (profile)"),
            ("c / t", "show the context sent / the whole reasoning"),
            ("tab, enter", "walk the cited issues; open one"),
            ("p", "open the proposal the model made (it applies nothing)"),
            ("pgup pgdn end", "scroll; end follows the stream"),
        ],
        Context::Proposals => &[
            ("j / k", "select a proposal"),
            ("a", "apply (all changes, or none)"),
            ("r", "reject, with an optional reason"),
            ("e", "edit: space drops a change, +/- points, a applies"),
            ("u", "undo the last applied proposal"),
            ("x", "the audit log"),
            ("P / A", "plan the next sprint / look for risks"),
            ("R", "push refused changes again"),
            ("s", "all proposals or pending only"),
            ("tab, enter", "walk the issues it names; open one"),
            (
                "g",
                "backlog generator: an idea (and documents) to epics, stories, tasks",
            ),
            (
                "  form",
                "tab next field · ←/→ format and depth · ctrl-s or F5 generates",
            ),
            ("  ", "ctrl-e writes the idea in $VISUAL / $EDITOR"),
            ("  while it writes", "the tree fills in live · esc stops"),
            ("  questions", "answer each (tab) · enter on the last sends"),
            (
                "  review",
                "j/k · +/- points · e title · d drop (rules checked again)",
            ),
            (
                "  ",
                "f refine by instruction (replaces the proposal, shows the diff)",
            ),
            ("  ", "o opens the proposal to apply · n new · esc hides"),
        ],
        _ => &[],
    }
}
