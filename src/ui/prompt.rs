//! Issue-to-prompt: the template list, the inputs form, and the preview with its token count.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::hints::{item, key as first_key, line, pair};
use crate::app::State;
use crate::app::state::{PromptPane, PromptStage};
use crate::domain::text::SafeText;
use crate::keymap::{Action as A, Context as C};

/// The first key of `action` in `context`, for the pane's sentences.
fn hint(state: &State, context: C, action: A) -> String {
    first_key(state, context, action).unwrap_or_default()
}

pub fn render(state: &State, pane: &PromptPane, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let key = &pane.issue_key;
    let block = |title: String| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(title)
    };
    match &pane.stage {
        PromptStage::Pick { selected } => {
            let mut lines: Vec<Line> = Vec::new();
            for (i, t) in state.settings.prompt_templates.iter().enumerate() {
                let style = if i == *selected {
                    theme.selected
                } else {
                    Style::default()
                };
                let inputs = if t.vars.is_empty() {
                    String::new()
                } else {
                    let vars: Vec<&str> = t.vars.iter().map(SafeText::as_str).collect();
                    format!("  (asks for {})", vars.join(", "))
                };
                lines.push(Line::styled(
                    format!("{:<14} {}{inputs}", t.name.as_str(), t.description),
                    style,
                ));
            }
            for e in &state.settings.prompt_template_errors {
                lines.push(Line::styled(format!("broken: {e}"), theme.error));
            }
            lines.push(Line::raw(""));
            let keys = line([
                item(state, C::Prompt, A::Open, "renders"),
                pair(state, C::Prompt, (A::Down, A::Up), "choose"),
                item(state, C::Prompt, A::Close, "closes"),
                Some(
                    "templates: the config dir's prompts/issue/*.md (sprintdeck prompt vars)"
                        .to_owned(),
                ),
            ]);
            lines.push(Line::styled(keys.trim_start().to_owned(), theme.dim));
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(block(format!(" prompt for {key}: choose a template "))),
                area,
            );
        }
        PromptStage::Inputs {
            template,
            names,
            values,
            field,
        } => {
            let k = |action| hint(state, C::PromptInputs, action);
            let outer = block(format!(
                " {key} · {template}: inputs ({} on the last renders, {} moves, {} back) ",
                k(A::Confirm),
                k(A::NextField),
                k(A::Back)
            ));
            let inner = outer.inner(area);
            frame.render_widget(outer, area);
            let rows = Layout::vertical(
                names
                    .iter()
                    .map(|_| Constraint::Length(3))
                    .chain([Constraint::Fill(1)]),
            )
            .split(inner);
            for (i, (name, value)) in names.iter().zip(values).enumerate() {
                let mut editor = value.clone();
                if i != *field {
                    editor.set_cursor_style(Style::default());
                }
                editor.set_block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(if i == *field {
                            theme.accent
                        } else {
                            theme.border
                        })
                        .title(format!(" {name} ")),
                );
                frame.render_widget(&editor, rows[i]);
            }
        }
        PromptStage::Rendering { template } => frame.render_widget(
            Paragraph::new(Span::styled("rendering…", theme.dim))
                .block(block(format!(" {key} · {template} "))),
            area,
        ),
        PromptStage::Failed(message) => frame.render_widget(
            Paragraph::new(vec![
                Line::styled(message.as_str(), theme.error),
                Line::raw(""),
                Line::styled(
                    format!(
                        "any key: choose another template · {} closes",
                        hint(state, C::PromptFailed, A::Close)
                    ),
                    theme.dim,
                ),
            ])
            .wrap(Wrap { trim: false })
            .block(block(format!(" prompt for {key} "))),
            area,
        ),
        PromptStage::Preview(r) => {
            let v = &r.version;
            let title = format!(
                " {key} · {} · version {}{} · {} tokens ({}) · {} chars ",
                v.template,
                v.id,
                if r.created { " (new)" } else { "" },
                v.tokens,
                v.tokenizer,
                r.chars
            );
            let [body, help] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
            frame.render_widget(
                Paragraph::new(pane.text.as_str())
                    .wrap(Wrap { trim: false })
                    .scroll((pane.scroll, 0))
                    .block(block(title)),
                body,
            );
            frame.render_widget(
                Paragraph::new(Span::styled(
                    line([
                        item(state, C::PromptPreview, A::Copy, "copy"),
                        item(state, C::PromptPreview, A::WriteFile, "write file"),
                        item(state, C::PromptPreview, A::Pipe, "pipe"),
                        item(
                            state,
                            C::PromptPreview,
                            A::AttachOutput,
                            "attach the agent's answer",
                        ),
                        item(state, C::PromptPreview, A::Templates, "other template"),
                        pair(state, C::PromptPreview, (A::Down, A::Up), "scroll"),
                        item(state, C::PromptPreview, A::Close, "close"),
                    ]),
                    theme.dim,
                )),
                help,
            );
        }
        PromptStage::Output { rendered, editor } => {
            let mut editor = (**editor).clone();
            editor.set_block(block(format!(
                " paste the agent's answer to version {} ({} keeps it, {} back) ",
                rendered.version.id,
                hint(state, C::PromptOutput, A::Attach),
                hint(state, C::PromptOutput, A::Back)
            )));
            frame.render_widget(&editor, area);
        }
    }
}
