//! The chat pane: the conversation (answers rendered as markdown, citations highlighted, the
//! reasoning dimmed), a spinner until the first token, and the input.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::markdown;
use crate::app::State;
use crate::app::state::{ChatPhase, TurnStatus};
use crate::domain::text::sanitize;

const NOT_CONFIGURED: &str = "No AI provider is configured. Add one to the config file, e.g.\n\n\
    [llm]\nprovider = \"openai\"      # or any OpenAI-compatible server\nmodel = \"gpt-4o-mini\"\napi_key_env = \"OPENAI_API_KEY\"\n\n\
    [llm]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\napi_key_env = \"ANTHROPIC_API_KEY\"\n\n\
    [llm]\nprovider = \"ollama\"      # local: nothing leaves the machine\nmodel = \"llama3.2\"\n\n\
    The rest of sprintdeck works without it.";

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let Some(model) = &state.settings.llm_name else {
        frame.render_widget(
            Paragraph::new(NOT_CONFIGURED)
                .style(theme.dim)
                .wrap(Wrap { trim: false }),
            area.inner(ratatui::layout::Margin::new(1, 1)),
        );
        return;
    };
    let c = &state.chat;
    let [talk, input] = Layout::vertical([Constraint::Fill(1), Constraint::Length(4)]).areas(area);
    let mut lines: Vec<Line> = Vec::new();
    for turn in &c.turns {
        lines.push(Line::from(vec![
            Span::styled("you  ", theme.header),
            Span::raw(sanitize(&turn.question, false)),
        ]));
        if c.show_context {
            let sent = turn
                .context
                .as_deref()
                .unwrap_or("(not known for this turn)");
            lines.push(Line::from(Span::styled(
                format!(
                    "     context sent ({} tokens):",
                    crate::llm::context::tokens(sent)
                ),
                theme.dim,
            )));
            for l in sanitize(sent, true).lines() {
                lines.push(Line::from(Span::styled(format!("       {l}"), theme.dim)));
            }
        }
        if !turn.reasoning.is_empty() {
            let thought: String = sanitize(&turn.reasoning, false).chars().take(200).collect();
            lines.push(Line::from(Span::styled(
                format!("     ({thought}…)"),
                theme.dim,
            )));
        }
        let answer = sanitize(&turn.answer, true);
        let parsed = markdown::parse(&answer);
        for line in markdown::to_lines(&parsed, theme) {
            let mut spans = vec![Span::raw("     ")];
            spans.extend(line.spans.into_iter().map(|s| {
                // Citations like [OPS-12] stand out.
                if s.content.starts_with('[') && s.content.ends_with(']') {
                    Span::styled(s.content.into_owned(), theme.accent)
                } else {
                    Span::styled(s.content.into_owned(), s.style)
                }
            }));
            lines.push(Line::from(spans));
        }
        let note = match &turn.status {
            TurnStatus::Streaming if c.phase == ChatPhase::Connecting => {
                Some(("     ⠋ asking…".to_owned(), theme.dim))
            }
            TurnStatus::Streaming => None,
            TurnStatus::Done => turn
                .usage
                .map(|(i, o)| (format!("     {i} tokens in, {o} out"), theme.dim)),
            TurnStatus::Stopped => Some(("     (stopped; r asks again)".to_owned(), theme.dim)),
            TurnStatus::Failed(e) => Some((
                format!("     {} (r asks again)", sanitize(e, false)),
                theme.error,
            )),
        };
        if let Some((text, style)) = note {
            lines.push(Line::from(Span::styled(text, style)));
        }
        lines.push(Line::raw(""));
    }
    if c.turns.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("Ask about this backlog ({model}). Enter sends, alt-enter breaks the line, esc stops, r asks again, n starts over, c shows the context sent."),
            theme.dim,
        )));
    }
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    // Rows after wrapping, so following the stream keeps its last line in view.
    let rows = paragraph.line_count(talk.width);
    let height = usize::from(talk.height);
    let scroll = if c.follow {
        rows.saturating_sub(height)
    } else {
        usize::from(c.scroll).min(rows.saturating_sub(1))
    };
    frame.render_widget(
        paragraph.scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        talk,
    );
    let mut textarea = c.input.clone();
    textarea.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(format!(" ask {model} ")),
    );
    frame.render_widget(&textarea, input);
}
