use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::markdown;
use super::symbols;
use crate::app::State;
use crate::app::state::Detail;
use crate::config::theme::Theme;
use crate::domain::overrides::OverrideField;
use crate::domain::text::Safe;
use crate::keymap::{Action, Context};
use crate::store::detail::IssueDetail;

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "—".to_owned(), ToOwned::to_owned)
}

fn timestamp(s: &str) -> String {
    s.replace('T', " ").replace('Z', "")
}

pub fn render(state: &State, d: &Detail, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let Some(data) = &d.data else {
        let text = d
            .error
            .as_ref()
            .map_or_else(|| " loading…".to_owned(), |e| format!(" {e}"));
        let style = if d.error.is_some() {
            theme.error
        } else {
            theme.dim
        };
        frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    };
    let header = vec![
        Line::from(vec![
            Span::styled(data.row.key.as_str(), theme.header),
            Span::raw("  "),
            Span::styled(data.row.title.as_str(), theme.header),
        ]),
        Line::from(Span::styled(opt(data.row.web_url.as_deref()), theme.dim)),
    ];
    let mut left = fields(theme, data);
    left.extend(links(theme, d, data));
    left.extend(local_fields(theme, d, data));
    let right = description_and_history(state, d);

    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(header).wrap(Wrap { trim: false }), head);
    if body.width >= 90 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(body);
        frame.render_widget(Paragraph::new(left).wrap(Wrap { trim: false }), l);
        frame.render_widget(
            Paragraph::new(right)
                .wrap(Wrap { trim: false })
                .scroll((d.scroll, 0))
                .block(
                    Block::default()
                        .borders(Borders::LEFT)
                        .border_style(theme.border),
                ),
            r,
        );
    } else {
        // Narrow terminals: one column, scrolled as a whole.
        left.push(Line::raw(""));
        left.extend(right);
        frame.render_widget(
            Paragraph::new(left)
                .wrap(Wrap { trim: false })
                .scroll((d.scroll, 0)),
            body,
        );
    }
}

fn fields<'a>(theme: &Theme, data: &'a Safe<Box<IssueDetail>>) -> Vec<Line<'a>> {
    let row = &data.row;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<11}"), theme.dim),
            Span::raw(value),
        ])
    };
    let (cat_style, symbol) = symbols::category(theme, &row.status_category);
    vec![
        field("type", row.issue_type.clone()),
        Line::from(vec![
            Span::styled(format!("{:<11}", "status"), theme.dim),
            Span::styled(
                format!(
                    "{symbol} {} ({})",
                    row.status,
                    row.status_category.replace('_', " ")
                ),
                cat_style,
            ),
        ]),
        field("assignees", opt(row.assignees.as_deref())),
        field("reporter", opt(data.extra.reporter.as_deref())),
        field("labels", opt(row.labels.as_deref())),
        field(
            "points",
            row.story_points
                .map_or_else(|| "—".to_owned(), |p| p.to_string()),
        ),
        field("sprint", opt(row.sprint.as_deref())),
        field("priority", opt(row.priority.as_deref())),
        field(
            "parent",
            match (&data.extra.parent_key, &data.extra.parent_title) {
                (Some(k), Some(t)) => format!("{k} {t}"),
                _ => "—".to_owned(),
            },
        ),
        field("due", opt(row.due_date.as_deref())),
        field("created", timestamp(&row.created_at)),
        field("updated", timestamp(&row.updated_at)),
        field("closed", timestamp(&opt(row.closed_at.as_deref()))),
        Line::raw(""),
    ]
}

fn links<'a>(theme: &Theme, d: &Detail, data: &'a Safe<Box<IssueDetail>>) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(Span::styled("links", theme.header))];
    if data.links.is_empty() {
        lines.push(Line::from(Span::styled("  none", theme.dim)));
    }
    for (i, link) in data.links.iter().enumerate() {
        let (style, symbol) = symbols::category(theme, &link.status_category);
        let mut line = Line::from(vec![
            Span::raw(if d.cursor == i { "› " } else { "  " }),
            Span::styled(format!("{:<11}", link.relation), theme.dim),
            Span::styled(format!("{symbol} "), style),
            Span::raw(format!("{} {}", link.key, link.title)),
        ]);
        if d.cursor == i {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    lines.push(Line::raw(""));
    lines
}

fn local_fields<'a>(theme: &Theme, d: &Detail, data: &'a Safe<Box<IssueDetail>>) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(Span::styled(
        "local fields (never synced)",
        theme.header,
    ))];
    for (i, f) in OverrideField::ALL.iter().enumerate() {
        let selected = d.cursor == d.link_count() + i;
        let editing = d.editing.as_ref().filter(|e| e.field == *f);
        let value = match editing {
            Some(e) => format!("{}▏", e.input.lines().join(" ")),
            None => opt(data.overrides.get(*f)),
        };
        let mut line = Line::from(vec![
            Span::raw(if selected { "› " } else { "  " }),
            Span::styled(format!("{:<18}", f.label()), theme.dim),
            Span::raw(value),
        ]);
        if selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
        if let Some(error) = editing.and_then(|e| e.error.as_deref()) {
            lines.push(Line::from(Span::styled(
                format!("    {error}"),
                theme.error,
            )));
        }
    }
    lines
}

fn description_and_history<'a>(state: &State, d: &'a Detail) -> Vec<Line<'a>> {
    let theme = &state.settings.theme;
    let mut lines = vec![Line::from(Span::styled("description", theme.header))];
    if d.description.is_empty() {
        lines.push(Line::from(Span::styled("(none)", theme.dim)));
    }
    lines.extend(markdown::to_lines(&d.description, theme));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("status history", theme.header)));
    for entry in &d.timeline {
        let (style, symbol) = symbols::category(theme, &entry.category);
        lines.push(Line::from(vec![
            Span::styled(format!("{}  ", entry.at), theme.dim),
            Span::styled(format!("{symbol} {:<18}", entry.status.as_str()), style),
            Span::raw(entry.duration.clone()),
        ]));
    }
    if let Some(data) = &d.data
        && !data.pushes.is_empty()
    {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!(
                "not yet on the tracker ({} in Proposals pushes again)",
                super::hints::key(state, Context::Proposals, Action::Push).unwrap_or_default()
            ),
            theme.header,
        )));
        for p in &data.pushes {
            let style = if p.contains(": failed") {
                theme.error
            } else {
                theme.dim
            };
            lines.push(Line::from(Span::styled(p.as_str(), style)));
        }
    }
    if let Some(data) = &d.data
        && !data.prompt_versions.is_empty()
    {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!(
                "prompt versions ({} renders another)",
                super::hints::key(state, Context::Detail, Action::Prompt).unwrap_or_default()
            ),
            theme.header,
        )));
        for v in &data.prompt_versions {
            lines.push(Line::from(vec![
                Span::styled(format!("{}  ", v.created_at), theme.dim),
                Span::raw(format!(
                    "v{:<5} {:<14} {:>6} tokens  {} output(s)  {}",
                    v.id, v.template, v.tokens, v.outputs, v.author
                )),
            ]));
        }
    }
    lines
}
