//! The dashboard: the report's numbers as tiles, the burndown, velocity, people and aging work.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Borders, Chart, Dataset, GraphType, Paragraph, Row, Table,
};

use super::symbols;
use crate::app::State;
use crate::app::state::TILES;
use crate::config::theme::Theme;
use crate::domain::text::Safe;
use crate::report::Report;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let d = &state.dashboard;
    let Some(report) = &d.report else {
        let (text, style) = match &d.error {
            Some(e) => (format!(" {e}"), theme.error),
            None => (" loading…".to_owned(), theme.dim),
        };
        frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    };
    // A stored report from an earlier run is drawn while the fresh one is computed.
    let note = (d.from_snapshot && d.refreshing).then(|| {
        let at = report
            .generated_at
            .get(..16)
            .unwrap_or(&report.generated_at);
        format!(" as of {} · refreshing… ", at.replace('T', " "))
    });
    if d.full_burndown {
        render_burndown(theme, report, note.as_deref(), frame, area);
        return;
    }
    // Issue-to-prompt figures take a line once any prompt was rendered.
    let prompts = d.prompt_stats.as_ref().filter(|p| p.total > 0);
    let [tiles, middle, bottom, prompt_line] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(u16::from(prompts.is_some())),
    ])
    .areas(area);
    if let Some(p) = prompts {
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(" prompts ", theme.header),
                Span::raw(prompt_summary(p)),
            ])),
            prompt_line,
        );
    }
    let range = crate::app::state::RANGES[d.range.min(crate::app::state::RANGES.len() - 1)];
    let completed = match range.1 {
        Some(days) => format!("completed {days}d"),
        None => TILES[1].to_owned(),
    };
    render_tiles(theme, report, d.tile, &completed, frame, tiles);
    let [burn, vel] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(middle);
    render_burndown(theme, report, note.as_deref(), frame, burn);
    render_velocity(theme, report, frame, vel);
    let [people, aging] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(bottom);
    // The cursor runs over the tiles, then the people, then the aging list.
    let tiles_n = TILES.len();
    let person_at = d
        .tile
        .checked_sub(tiles_n)
        .filter(|i| *i < report.people.len());
    let aging_at = d.tile.checked_sub(tiles_n + report.people.len());
    render_people(theme, report, person_at, frame, people);
    render_aging(theme, report, aging_at, frame, aging);
}

fn render_tiles(
    theme: &Theme,
    report: &Safe<Box<Report>>,
    selected: usize,
    completed_label: &str,
    frame: &mut Frame,
    area: Rect,
) {
    let c = &report.counts;
    let values = [
        c.in_progress.count,
        c.completed.count,
        c.overdue.count,
        c.not_started.count,
        c.blocked.count,
    ];
    let d = c.deltas.as_ref();
    let changes = [
        d.map(|d| d.in_progress),
        d.map(|d| d.completed),
        d.map(|d| d.overdue),
        d.map(|d| d.not_started),
        None,
    ];
    let cells = Layout::horizontal([Constraint::Ratio(1, 5); 5]).split(area);
    for (i, ((label, value), change)) in TILES.iter().zip(values).zip(changes).enumerate() {
        let label = if i == 1 { completed_label } else { label };
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(label);
        let mut style = theme.base.add_modifier(Modifier::BOLD);
        if i == selected {
            block = block.border_style(theme.accent).title_style(theme.accent);
            style = style.patch(theme.selected);
        }
        let marker = if i == selected { "› " } else { "  " };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(marker),
                Span::styled(value.to_string(), style),
                Span::styled(
                    match change {
                        Some(c) if c > 0 => format!(" ▲{c}"),
                        Some(c) if c < 0 => format!(" ▼{}", -c),
                        Some(_) => " =".to_owned(),
                        None => String::new(),
                    },
                    theme.dim,
                ),
            ]))
            .block(block),
            cells[i],
        );
    }
}

fn render_burndown(
    theme: &Theme,
    report: &Safe<Box<Report>>,
    note: Option<&str>,
    frame: &mut Frame,
    area: Rect,
) {
    let Some(sprint) = &report.sprint else {
        frame.render_widget(
            Paragraph::new(Span::styled("no active sprint", theme.dim)).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border)
                    .title("burndown"),
            ),
            area,
        );
        return;
    };
    let title = format!(
        "{} burndown ({}){}",
        sprint.name,
        sprint.unit,
        sprint
            .days_left
            .map_or_else(String::new, |d| format!(" · {d} days left"))
    );
    #[allow(clippy::cast_precision_loss)]
    let actual: Vec<(f64, f64)> = sprint
        .burndown
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.remaining))
        .collect();
    // The x axis spans the whole sprint: the days so far plus the days left; the ideal line
    // runs from the commitment on the first day to zero on the last.
    #[allow(clippy::cast_precision_loss)]
    let days = (sprint.burndown.len() + sprint.days_left.unwrap_or(0)).max(2) as f64 - 1.0;
    let ideal: Vec<(f64, f64)> = vec![(0.0, sprint.committed), (days, 0.0)];
    let top = sprint
        .burndown
        .iter()
        .map(|p| p.remaining)
        .fold(sprint.committed, f64::max)
        .max(1.0);
    let changes: Vec<String> = sprint
        .burndown
        .iter()
        .filter(|p| p.scope_change)
        .map(|p| month_day(&p.day))
        .collect();
    let datasets = vec![
        Dataset::default()
            .name("ideal")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.dim)
            .data(&ideal),
        Dataset::default()
            .name("remaining")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.doing)
            .data(&actual),
    ];
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(title);
    if let Some(note) = note {
        block = block
            .title_bottom(Line::from(Span::styled(note.to_owned(), theme.dim)).right_aligned());
    }
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([0.0, days]).labels(vec![
                Span::raw(
                    sprint
                        .burndown
                        .first()
                        .map_or(String::new(), |p| month_day(&p.day)),
                ),
                Span::raw(if changes.is_empty() {
                    String::new()
                } else {
                    format!("scope changed {}", changes.join(" "))
                }),
            ]))
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels(vec![Span::raw("0"), Span::raw(format!("{top}"))]),
        );
    frame.render_widget(chart, area);
}

fn render_velocity(theme: &Theme, report: &Safe<Box<Report>>, frame: &mut Frame, area: Rect) {
    let v = &report.velocity;
    let title = format!(
        "velocity{} · cycle p50 {} d, p85 {} d",
        v.mean.map_or_else(String::new, |m| format!(" ⌀ {m}")),
        report
            .cycle_time_days
            .p50
            .map_or_else(|| "—".to_owned(), |x| x.to_string()),
        report
            .cycle_time_days
            .p85
            .map_or_else(|| "—".to_owned(), |x| x.to_string()),
    );
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bars: Vec<Bar> = v
        .sprints
        .iter()
        .map(|s| {
            let short = s.name.rsplit(' ').next().unwrap_or(&s.name).to_owned();
            Bar::default()
                .value(s.points.round() as u64)
                .label(Line::from(short))
        })
        .collect();
    let chart = BarChart::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(title),
        )
        .data(BarGroup::default().bars(&bars))
        .bar_width(4)
        .bar_gap(1)
        .bar_style(theme.accent);
    frame.render_widget(chart, area);
}

fn render_people(
    theme: &Theme,
    report: &Safe<Box<Report>>,
    selected: Option<usize>,
    frame: &mut Frame,
    area: Rect,
) {
    let header = Row::new(["person", "open", "doing", "points / capacity"]).style(theme.header);
    let rows = report.people.iter().enumerate().map(|(i, p)| {
        let cap = p.capacity.map_or_else(|| "—".to_owned(), |c| c.to_string());
        let (flag, style) = if p.over_capacity {
            (format!(" {} over", symbols::OVERDUE), theme.overdue)
        } else {
            (String::new(), theme.base)
        };
        let row = Row::new(vec![
            Line::from(p.person.clone()),
            Line::from(p.open.to_string()),
            Line::from(p.in_progress.to_string()),
            Line::from(Span::styled(
                format!("{} / {cap}{flag}", p.sprint_points),
                style,
            )),
        ]);
        if selected == Some(i) {
            row.style(theme.selected)
        } else {
            row
        }
    });
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(20),
        ],
    )
    .header(header)
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title("load this sprint"),
    );
    frame.render_widget(table, area);
}

fn render_aging(
    theme: &Theme,
    report: &Safe<Box<Report>>,
    selected: Option<usize>,
    frame: &mut Frame,
    area: Rect,
) {
    let lines: Vec<Line> = if report.aging_wip.is_empty() {
        vec![Line::from(Span::styled("nothing is aging", theme.dim))]
    } else {
        report
            .aging_wip
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let line = Line::from(vec![
                    Span::raw(format!("{:<16}", a.key)),
                    Span::styled(format!("{:.0} d", a.days), theme.overdue),
                ]);
                if selected == Some(i) {
                    line.style(theme.selected)
                } else {
                    line
                }
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title("aging work in progress"),
        ),
        area,
    );
}

/// `MM-DD` of a `YYYY-MM-DD` day, for axis labels.
fn month_day(day: &str) -> String {
    day.get(5..).unwrap_or(day).to_owned()
}

/// "3 today · 12 this week · avg 1,180 tokens · most used: implement (9) · most versions: OPS-12 (4)".
fn prompt_summary(p: &Safe<crate::store::prompts::Stats>) -> String {
    let mut text = format!("{} today · {} this week", p.today, p.this_week);
    if let Some(avg) = p.average_tokens {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(" · avg {avg:.0} tokens"));
    }
    if let Some((name, n)) = p.top_templates.first() {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(" · most used: {name} ({n})"));
    }
    if let Some((key, n)) = p.top_issues.first() {
        let _ =
            std::fmt::Write::write_fmt(&mut text, format_args!(" · most versions: {key} ({n})"));
    }
    text
}
