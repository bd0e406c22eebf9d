//! The chat pane: the conversation (answers rendered as markdown, citations highlighted, the
//! reasoning dimmed), a spinner until the first token, and the input.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use ratatui::style::Style;

use super::hints::{item, key, line};
use super::markdown;
use crate::app::State;
use crate::app::state::{ChatPane, ChatPhase, ChatTurn, ConversationList, LlmChoice, TurnStatus};
use crate::config::theme::Theme;
use crate::domain::text::SafeText;
use crate::keymap::{Action, Context};

const NOT_CONFIGURED: &str = "No AI provider is configured. Add one to the config file, e.g.\n\n\
    [llm]\nprovider = \"openai\"      # or any OpenAI-compatible server\nmodel = \"gpt-4o-mini\"\napi_key_env = \"OPENAI_API_KEY\"\n\n\
    [llm]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\napi_key_env = \"ANTHROPIC_API_KEY\"\n\n\
    [llm]\nprovider = \"ollama\"      # local: nothing leaves the machine\nmodel = \"llama3.2\"\n\n\
    The rest of sprintdeck works without it.";

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    if state.settings.llm_name.is_none() {
        frame.render_widget(
            Paragraph::new(NOT_CONFIGURED)
                .style(theme.dim)
                .wrap(Wrap { trim: false }),
            area.inner(ratatui::layout::Margin::new(1, 1)),
        );
        return;
    }
    let choice = current_choice(state);
    let c = &state.chat;
    let [talk, input] = Layout::vertical([Constraint::Fill(1), Constraint::Length(4)]).areas(area);
    let selected = selected_citation(state);
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = None;
    for (index, turn) in c.turns.iter().enumerate() {
        lines.push(Line::from(vec![
            Span::styled("you  ", theme.header),
            Span::raw(turn.shown_question.as_str()),
        ]));
        if c.show_context {
            context_lines(turn, theme, &mut lines);
        }
        if !turn.reasoning.is_empty() {
            let toggle = key(state, Context::Chat, Action::ToggleReasoning).unwrap_or_default();
            reasoning_lines(
                (&turn.shown_reasoning, &toggle),
                c.show_reasoning,
                theme,
                &mut lines,
            );
        }
        let cited = selected
            .as_ref()
            .filter(|(i, _)| *i == index)
            .map(|(_, key)| *key);
        for line in &turn.lines {
            if cited.is_some_and(|k| markdown::cites(line, k)) {
                focus_line.get_or_insert(lines.len());
            }
            let mut styled = markdown::styled(line, theme, cited);
            styled.spans.insert(0, Span::raw("     "));
            lines.push(styled);
        }
        if let Some((text, style)) = turn_note(state, turn, &choice) {
            lines.push(Line::from(Span::styled(text, style)));
        }
        lines.push(Line::raw(""));
    }
    if c.turns.is_empty() {
        lines.push(Line::from(Span::styled(
            welcome(state, &choice.label),
            theme.dim,
        )));
    }
    // Rows above the selected citation (only then is a prefix measured on its own).
    let before = focus_line.map(|at| {
        Paragraph::new(lines[..at].to_vec())
            .wrap(Wrap { trim: false })
            .line_count(talk.width)
    });
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = paragraph.line_count(talk.width);
    let scroll = scroll_for(rows, before, c, usize::from(talk.height));
    frame.render_widget(
        paragraph.scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        talk,
    );
    frame.render_widget(&input_box(state, &choice), input);
    if let Some(list) = &c.conversations {
        conversations(state, list, frame, area);
    }
}

/// The question being written (or, in the conversation, its keys in the border).
fn input_box(state: &State, choice: &LlmChoice) -> ratatui_textarea::TextArea<'static> {
    let theme = &state.settings.theme;
    let c = &state.chat;
    let mut textarea = c.input.clone();
    let model = &choice.label;
    let title = if c.writing {
        let keys = line([
            item(state, Context::ChatInput, Action::Send, "sends"),
            item(state, Context::ChatInput, Action::Back, "leaves the input"),
        ]);
        format!(" ask {model} ·{keys} ")
    } else {
        textarea.set_cursor_style(Style::default());
        let keys = line([
            item(state, Context::Chat, Action::Write, "writes"),
            item(state, Context::Chat, Action::Retry, "again"),
            item(state, Context::Chat, Action::New, "new"),
            item(state, Context::Chat, Action::Conversations, "older"),
            item(state, Context::Chat, Action::NextModel, "model"),
            item(state, Context::Chat, Action::ToggleContext, "context"),
            item(state, Context::Chat, Action::ToggleReasoning, "reasoning"),
            item(state, Context::Chat, Action::NextIssue, "citations"),
            item(state, Context::Chat, Action::OpenProposal, "proposal"),
        ]);
        format!(" {model} ·{keys} ")
    };
    textarea.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(if c.writing {
                theme.accent
            } else {
                theme.border
            })
            .title(title),
    );
    textarea
}

/// What the empty pane says: how to ask, and the conversation's keys.
fn welcome(state: &State, label: &str) -> String {
    let k = |context: Context, action: Action| key(state, context, action).unwrap_or_default();
    let (i, c) = (Context::ChatInput, Context::Chat);
    let mut send = k(i, Action::Send);
    // The sentence starts with it.
    if let Some(first) = send.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let up = match k(i, Action::HistoryPrev).as_str() {
        "up" => "↑".to_owned(),
        other => other.to_owned(),
    };
    format!(
        "Ask about this backlog ({label}). {send} sends, {} breaks the line, {up} earlier questions; {} stops an answer and leaves the input for the conversation, where {} asks again, {} starts a new one, {} lists older ones, {} switches model, {} shows the context sent, {} the reasoning, {} the cited issues ({} opens one), {} writes again.",
        k(i, Action::Newline),
        k(i, Action::Back),
        k(c, Action::Retry),
        k(c, Action::New),
        k(c, Action::Conversations),
        k(c, Action::NextModel),
        k(c, Action::ToggleContext),
        k(c, Action::ToggleReasoning),
        k(c, Action::NextIssue),
        k(c, Action::Open),
        k(c, Action::Write),
    )
}

pub fn current_choice(state: &State) -> LlmChoice {
    state
        .settings
        .llm_choices()
        .get(state.chat.profile)
        .cloned()
        .unwrap_or_default()
}

fn selected_citation(state: &State) -> Option<(usize, &str)> {
    let i = state.chat.citation?;
    crate::app::chat::citations(state).nth(i)
}

/// The first row to show: the newest text while following, the selected citation when there
/// is one, else where the user scrolled.
fn scroll_for(rows: usize, before: Option<usize>, c: &ChatPane, height: usize) -> usize {
    if let Some(before) = before {
        return before
            .saturating_sub(height / 3)
            .min(rows.saturating_sub(height));
    }
    if c.follow {
        rows.saturating_sub(height)
    } else {
        usize::from(c.scroll).min(rows.saturating_sub(1))
    }
}

fn context_lines(turn: &ChatTurn, theme: &Theme, lines: &mut Vec<Line>) {
    const UNKNOWN: &str = "(not known for this turn)";
    let (sent, tokens) = turn
        .context
        .as_ref()
        .map_or((UNKNOWN, crate::llm::context::tokens(UNKNOWN)), |text| {
            (text.as_str(), turn.context_tokens)
        });
    lines.push(Line::from(Span::styled(
        format!("     context sent ({tokens} tokens):"),
        theme.dim,
    )));
    for l in sent.lines() {
        lines.push(Line::from(Span::styled(format!("       {l}"), theme.dim)));
    }
}

/// The model's reasoning, dimmed: its start, or all of it with `t`.
fn reasoning_lines(
    (clean, toggle): (&SafeText, &str),
    whole: bool,
    theme: &Theme,
    lines: &mut Vec<Line>,
) {
    if whole {
        lines.push(Line::from(Span::styled(
            format!("     reasoning ({toggle} hides):"),
            theme.dim,
        )));
        for l in clean.lines() {
            lines.push(Line::from(Span::styled(format!("       {l}"), theme.dim)));
        }
    } else {
        let start: String = clean.replace('\n', " ").chars().take(120).collect();
        lines.push(Line::from(Span::styled(
            format!("     (reasoning: {start}… {toggle} shows all)"),
            theme.dim,
        )));
    }
}

/// Under a turn: the spinner or countdown before the first token, the usage and cost, or why
/// it ended.
fn turn_note(state: &State, turn: &ChatTurn, choice: &LlmChoice) -> Option<(String, Style)> {
    let theme = &state.settings.theme;
    let c = &state.chat;
    let again = key(state, Context::Chat, Action::Retry).unwrap_or_default();
    let stop = key(state, Context::ChatInput, Action::Back).unwrap_or_default();
    Some(match &turn.status {
        TurnStatus::Streaming => match turn.waiting {
            Some((until, attempt)) => {
                let left = (until - state.now).num_seconds().max(0);
                (
                    format!(
                        "     rate limited: asking again in {left}s (attempt {attempt} of {}; {stop} stops)",
                        crate::llm::RATE_LIMIT_RETRIES
                    ),
                    theme.accent,
                )
            }
            None if c.phase == ChatPhase::Connecting => {
                // Turns with the clock's tick, so it moves without extra frames.
                const SPIN: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];
                let i = usize::try_from(state.now.timestamp().rem_euclid(8)).unwrap_or(0);
                (format!("     {} asking…", SPIN[i]), theme.dim)
            }
            None => return None,
        },
        TurnStatus::Done => {
            let (i, o) = turn.usage?;
            (format!("     {}", usage_text(i, o, choice)), theme.dim)
        }
        TurnStatus::Stopped => (format!("     (stopped; {again} asks again)"), theme.dim),
        TurnStatus::Failed(e) => (format!("     {e} ({again} asks again)"), theme.error),
    })
}

/// "812 tokens in, 95 out · $0.0004" (the cost when the profile has prices).
pub fn usage_text(input: u64, output: u64, choice: &LlmChoice) -> String {
    let mut text = format!("{input} tokens in, {output} out");
    if let Some(cost) = choice.cost(input, output) {
        let _ = write!(text, " · ${cost:.4}");
    }
    text
}

/// The conversation's tokens and cost so far, for the status bar.
pub fn conversation_usage(state: &State) -> Option<String> {
    let (i, o) = state
        .chat
        .turns
        .iter()
        .filter_map(|t| t.usage)
        .fold((0, 0), |(a, b), (i, o)| (a + i, b + o));
    (i + o > 0).then(|| format!("conversation: {}", usage_text(i, o, &current_choice(state))))
}

/// The stored conversations over the pane, to reopen one.
fn conversations(state: &State, list: &ConversationList, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let popup = area.inner(ratatui::layout::Margin::new(4, 2));
    frame.render_widget(ratatui::widgets::Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(
            " conversations ({} opens, {} closes) ",
            key(state, Context::ChatList, Action::Open).unwrap_or_default(),
            key(state, Context::ChatList, Action::Close).unwrap_or_default()
        ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let lines: Vec<Line> = if !list.loaded {
        vec![Line::styled("loading…", theme.dim)]
    } else if list.items.is_empty() {
        vec![Line::styled("no conversations yet", theme.dim)]
    } else {
        list.items
            .iter()
            .enumerate()
            .map(|(i, conv)| {
                let style = if i == list.selected {
                    theme.selected
                } else {
                    Style::default()
                };
                let day = conv.updated_at.get(..10).unwrap_or(&conv.updated_at);
                Line::styled(
                    format!("{day}  {:>3} q  {}", conv.questions, conv.title),
                    style,
                )
            })
            .collect()
    };
    let top = list
        .selected
        .saturating_sub(usize::from(inner.height).saturating_sub(1));
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(top).unwrap_or(0), 0)),
        inner,
    );
}
