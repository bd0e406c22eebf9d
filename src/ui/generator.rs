//! The backlog generator: the form, the tree (filling in live, then with each rule's verdict),
//! the model's questions, and the side panel (proposal, violations, what the run did, what a
//! refinement changed).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::hints::{every, item, key, line, pair};
use crate::app::State;
use crate::app::generator::{FIELDS, GeneratorPane, InputKind, Step, items};
use crate::config::theme::Theme;
use crate::generator::Level;
use crate::generator::diff::Mark;

pub fn render(state: &State, g: &GeneratorPane, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let [body, hint] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Span::styled(keys(state, g), theme.dim)),
        hint,
    );
    match g.step {
        Step::Form => {
            let model = super::chat::current_choice(state).label;
            let idea = idea_title(state);
            form(theme, g, (&model, &idea), frame, body);
        }
        Step::Questions => questions(theme, g, frame, body),
        Step::Running | Step::Review => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(body);
            tree(theme, g, frame, left);
            let usage = (g.step == Step::Review && g.usage != (0, 0)).then(|| {
                let choice = super::chat::current_choice(state);
                super::chat::usage_text(g.usage.0, g.usage.1, &choice)
            });
            side(theme, g, usage, frame, right);
        }
    }
    if let Some((kind, input)) = &g.input {
        let h = 3.min(area.height);
        let at = Rect {
            y: area.y + area.height.saturating_sub(h + 1),
            height: h,
            ..area
        };
        let mut input = input.clone();
        input.set_block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.accent)
                .title(match kind {
                    InputKind::Refine => " refine: what should change? (\"smaller stories\", \"add security tasks\") ",
                    InputKind::Title => " new title ",
                }),
        );
        frame.render_widget(Clear, at);
        frame.render_widget(&input, at);
    }
}

/// The keys of the step the generator is at, along its bottom line, from the keymap.
fn keys(state: &State, g: &GeneratorPane) -> String {
    use crate::keymap::{Action as A, Context as C};
    if g.input.is_some() {
        return line([
            item(state, C::GeneratorInput, A::Save, "saves"),
            item(state, C::GeneratorInput, A::Cancel, "drops it"),
        ]);
    }
    match g.step {
        Step::Form => {
            let again = key(state, C::Proposals, A::Generator).map_or_else(
                || "hides".to_owned(),
                |k| format!("hides ({k} shows it again)"),
            );
            line([
                item(state, C::Generator, A::NextField, "next field"),
                item(state, C::Generator, A::ExternalEditor, "idea in $EDITOR"),
                every(state, C::Generator, A::Generate, " or ", "generates"),
                item(state, C::Generator, A::Back, &again),
            ])
        }
        Step::Running => line([item(state, C::GeneratorRunning, A::Stop, "stops")]),
        Step::Questions => {
            let send = match (
                key(state, C::GeneratorQuestions, A::Confirm),
                key(state, C::GeneratorQuestions, A::Generate),
            ) {
                (Some(confirm), Some(send)) => {
                    Some(format!("{confirm} on the last (or {send}) sends"))
                }
                (confirm, send) => confirm
                    .map(|k| format!("{k} on the last sends"))
                    .or(send.map(|k| format!("{k} sends"))),
            };
            line([
                item(state, C::GeneratorQuestions, A::NextField, "next answer"),
                send,
                item(state, C::GeneratorQuestions, A::Back, "back to the form"),
            ])
        }
        Step::Review => line([
            pair(state, C::GeneratorReview, (A::Down, A::Up), "move"),
            pair(
                state,
                C::GeneratorReview,
                (A::MorePoints, A::FewerPoints),
                "points",
            ),
            item(state, C::GeneratorReview, A::Edit, "title"),
            item(state, C::GeneratorReview, A::Drop, "drop"),
            item(state, C::GeneratorReview, A::Refine, "refine"),
            every(
                state,
                C::GeneratorReview,
                A::OpenProposal,
                "/",
                "open the proposal",
            ),
            item(state, C::GeneratorReview, A::New, "new"),
            item(state, C::GeneratorReview, A::Back, "hide"),
        ]),
    }
}

/// The idea field's title: what to write, and the keys that help.
fn idea_title(state: &State) -> String {
    use crate::keymap::{Action as A, Context as C};
    let newline = key(state, C::Generator, A::Confirm).unwrap_or_default();
    let editor = key(state, C::Generator, A::ExternalEditor).unwrap_or_default();
    format!(
        " {} · what to build ({newline}: new line · {editor}: in $EDITOR) ",
        FIELDS[0].0
    )
}

fn form(
    theme: &Theme,
    g: &GeneratorPane,
    (model, idea_title): (&str, &str),
    frame: &mut Frame,
    area: Rect,
) {
    let outer = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(
            " backlog generator · {model} · an idea to epics, stories and tasks, as a proposal "
        ));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    // A short terminal shows as many one-line fields as fit, the one being typed in among them.
    let singles = FIELDS.len() - 1;
    let total = usize::from(inner.height);
    let error_row = usize::from(total >= 6);
    let shown = singles.min(total.saturating_sub(3 + error_row).max(1));
    let focus = g.field.saturating_sub(1);
    let first = 1 + (focus + 1).saturating_sub(shown);
    let idea_rows = total.saturating_sub(shown + error_row);
    let height = |n: usize| Constraint::Length(u16::try_from(n).unwrap_or(u16::MAX));
    let mut rows = vec![height(idea_rows)];
    rows.extend(std::iter::repeat_n(Constraint::Length(1), shown));
    rows.push(height(error_row));
    let areas = Layout::vertical(rows).split(inner);
    let focused = |i: usize| i == g.field;
    let mut idea = g.fields[0].clone();
    idea.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(if focused(0) {
                theme.accent
            } else {
                theme.border
            })
            .title(idea_title.to_owned()),
    );
    if !focused(0) {
        idea.set_cursor_style(Style::default());
    }
    frame.render_widget(&idea, areas[0]);
    for (row, i) in (first..first + shown).enumerate() {
        let [label, value] =
            Layout::horizontal([Constraint::Length(16), Constraint::Fill(1)]).areas(areas[row + 1]);
        let style = if focused(i) {
            theme.accent.add_modifier(Modifier::BOLD)
        } else {
            theme.dim
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}", FIELDS[i].0), style)),
            label,
        );
        let mut input = g.fields[i].clone();
        if focused(i) {
            input.set_placeholder_text(FIELDS[i].1);
        } else {
            input.set_cursor_style(Style::default());
            input.set_cursor_line_style(Style::default());
        }
        frame.render_widget(&input, value);
    }
    if let Some(e) = &g.error {
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {e}"), theme.error)),
            areas[shown + 1],
        );
    }
}

fn questions(theme: &Theme, g: &GeneratorPane, frame: &mut Frame, area: Rect) {
    let outer = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" the model needs to know more before it plans ");
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let rows = Layout::vertical(
        g.questions
            .iter()
            .flat_map(|_| [Constraint::Length(1), Constraint::Length(3)])
            .chain([Constraint::Fill(1)]),
    )
    .split(inner);
    for (i, q) in g.questions.iter().enumerate() {
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}. {q}", i + 1), theme.header)),
            rows[2 * i],
        );
        let mut answer = g.answers[i].clone();
        answer.set_block(Block::default().borders(Borders::ALL).border_style(
            if i == g.answer_field {
                theme.accent
            } else {
                theme.border
            },
        ));
        if i != g.answer_field {
            answer.set_cursor_style(Style::default());
        }
        frame.render_widget(&answer, rows[2 * i + 1]);
    }
}

fn points(p: Option<f64>) -> String {
    p.map_or_else(|| " ?".to_owned(), |p| format!("{p:>2}"))
}

fn tree(theme: &Theme, g: &GeneratorPane, frame: &mut Frame, area: Rect) {
    let live = g.step == Step::Running;
    let title = if live {
        format!(" {} ", g.activity)
    } else {
        format!(" backlog for {} ", g.tree.project)
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(title);
    let mut lines: Vec<Line> = Vec::new();
    for (n, item) in items(&g.tree).into_iter().enumerate() {
        let epic = &g.tree.epics[item.epic];
        let (indent, text, pts) = match (item.story, item.task) {
            (None, _) => ("▾ ", epic.title.as_str(), None),
            (Some(s), None) => {
                let st = &epic.stories[s];
                ("  • ", st.title.as_str(), Some(points(st.points)))
            }
            (Some(s), Some(t)) => {
                let task = &epic.stories[s].tasks[t];
                ("      - ", task.title.as_str(), Some(points(task.points)))
            }
        };
        let selected = !live && n == g.cursor;
        let base = if selected {
            theme.selected
        } else if item.story.is_none() {
            theme.header
        } else {
            Style::default()
        };
        // The verdict first, so a narrow pane still shows it: ✖ an error, ⚠ a warning.
        let found: Vec<_> = g.violations_of(&item.path()).collect();
        let mark = if found.iter().any(|v| v.level == Level::Error) {
            Span::styled("✖", theme.error)
        } else if found.is_empty() {
            Span::raw(" ")
        } else {
            Span::styled("⚠", theme.overdue)
        };
        let mut spans = vec![mark, Span::styled(indent, base)];
        if let Some(p) = pts {
            spans.push(Span::styled(format!("{p} "), theme.dim));
        }
        spans.push(Span::styled(text.to_owned(), base));
        if !found.is_empty() {
            let rules: Vec<&str> = found.iter().map(|v| v.rule).collect();
            spans.push(Span::styled(format!("  {}", rules.join(", ")), theme.dim));
        }
        lines.push(Line::from(spans));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            if live {
                "waiting for the first items…"
            } else {
                "no items"
            },
            theme.dim,
        ));
    }
    // Keep the selection (or, while streaming, the newest item) in view.
    let height = area.height.saturating_sub(2) as usize;
    let focus = if live {
        lines.len().saturating_sub(1)
    } else {
        g.cursor
    };
    let scroll = focus.saturating_sub(height.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        area,
    );
}

fn side(theme: &Theme, g: &GeneratorPane, usage: Option<String>, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = Vec::new();
    if g.step == Step::Running {
        lines.push(Line::styled(
            format!("{} characters received", g.streamed.chars().count()),
            theme.dim,
        ));
    }
    if let Some(id) = g.proposal {
        let errors = g
            .violations
            .iter()
            .filter(|v| v.level == Level::Error)
            .count();
        let (text, style) = if errors == 0 {
            (
                format!("proposal #{id}: pending, can be applied (o opens it)"),
                theme.done,
            )
        } else {
            (
                format!("proposal #{id}: {errors} error(s) to fix before it can be applied"),
                theme.error,
            )
        };
        lines.push(Line::styled(text, style));
        if let Some(u) = usage {
            lines.push(Line::styled(u, theme.dim));
        }
        if !g.activity.is_empty() {
            lines.push(Line::styled(g.activity.to_string(), theme.dim));
        }
    }
    if let Some(e) = &g.error {
        lines.push(Line::styled(e.to_string(), theme.error));
    }
    if g.step == Step::Review {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Validation", theme.header));
        if g.violations.is_empty() {
            lines.push(Line::styled("every rule passes", theme.done));
        }
        let here = items(&g.tree)
            .get(g.cursor)
            .map(|i| i.path())
            .unwrap_or_default();
        for v in &g.violations {
            let style = match v.level {
                Level::Error => theme.error,
                Level::Warning => theme.overdue,
            };
            let style = if v.path == here {
                style.add_modifier(Modifier::BOLD)
            } else {
                style
            };
            lines.push(Line::styled(
                format!(
                    "{} {}: {}",
                    if v.level == Level::Error {
                        "✖"
                    } else {
                        "⚠"
                    },
                    v.path,
                    v.message
                ),
                style,
            ));
        }
    }
    if !g.notes.is_empty() {
        lines.push(Line::raw(""));
        for n in &g.notes {
            lines.push(Line::styled(n.to_string(), theme.dim));
        }
    }
    diff_lines(theme, g, &mut lines);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(" review "),
        ),
        area,
    );
}

/// What a refinement changed against the proposal it replaced.
fn diff_lines(theme: &Theme, g: &GeneratorPane, lines: &mut Vec<Line<'static>>) {
    if g.diff.is_empty() {
        return;
    }
    {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Changed from the replaced proposal",
            theme.header,
        ));
        for d in &g.diff {
            let (mark, style) = match d.mark {
                Mark::Added => ('+', theme.done),
                Mark::Removed => ('-', theme.error),
                Mark::Changed => ('~', theme.accent),
            };
            let detail = if d.detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", d.detail)
            };
            lines.push(Line::styled(
                format!("{mark} {} {}{detail}", d.level, d.what),
                style,
            ));
        }
    }
}
