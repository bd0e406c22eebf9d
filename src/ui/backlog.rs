use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::symbols;
use crate::app::State;
use crate::app::layout::Areas;
use crate::app::state::{Column, Item};
use crate::clock::parse_instant;
use crate::domain::text::Safe;
use crate::domain::time::{date_to_db, relative};
use crate::store::read::IssueRow;

pub fn render(state: &State, frame: &mut Frame, areas: &Areas) {
    if let Some(area) = areas.filter {
        filter_bar(state, frame, area);
    }
    let theme = &state.settings.theme;
    let b = &state.backlog;
    let table_area = areas.table;
    if let Some(error) = &b.error {
        frame.render_widget(
            Paragraph::new(Span::styled(error.as_str(), theme.error)),
            table_area,
        );
        return;
    }
    if !b.loaded {
        frame.render_widget(
            Paragraph::new(Span::styled(" loading…", theme.dim)),
            table_area,
        );
        return;
    }
    if b.display_len() == 0 {
        let text = if b.query_text.is_empty() {
            " no issues yet: configure a source and sync, or run `sprintdeck demo`".to_owned()
        } else {
            let clear = super::hints::key(
                state,
                crate::keymap::Context::Backlog,
                crate::keymap::Action::ClearFilter,
            )
            .unwrap_or_default();
            format!(" no issues match this filter ({clear} clears it)")
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), table_area);
        return;
    }
    let columns = &fit_columns(&state.settings.columns, table_area.width);
    let sort = b.effective_sort();
    let mut header = vec![Cell::from("")];
    header.extend(columns.iter().map(|c| {
        let arrow = if c.sort_field() == sort.field {
            if sort.descending {
                symbols::SORT_DESC
            } else {
                symbols::SORT_ASC
            }
        } else {
            ""
        };
        Cell::from(format!("{}{arrow}", c.title()))
    }));
    let visible = usize::from(table_area.height.saturating_sub(1));
    let today = date_to_db(state.now.date_naive());
    let rows: Vec<Row> = (b.offset..b.offset + visible)
        .filter_map(|i| b.item(i))
        .map(|item| match item {
            Item::Header(g) => group_row(state, g, columns),
            Item::Row(pos) => match b.window.get(pos) {
                Some(issue) => issue_row(state, issue, columns, &today),
                None => Row::new(vec![
                    Cell::from(""),
                    Cell::from(Span::styled("…", theme.dim)),
                ]),
            },
        })
        .collect();
    let mut widths = vec![Constraint::Length(2)];
    widths.extend(columns.iter().map(|c| width(*c)));
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header))
        .row_highlight_style(theme.selected)
        .column_spacing(1);
    let mut table_state =
        TableState::default().with_selected(Some(b.selected.saturating_sub(b.offset)));
    frame.render_stateful_widget(table, table_area, &mut table_state);
}

/// The configured columns that fit: the least useful go first on a narrow terminal, so the
/// title keeps at least `TITLE_MIN` cells. Key and title always stay.
fn fit_columns(configured: &[Column], width: u16) -> Vec<Column> {
    const TITLE_MIN: u16 = 16;
    const DROP_ORDER: [Column; 7] = [
        Column::Type,
        Column::Priority,
        Column::Sprint,
        Column::Updated,
        Column::Points,
        Column::Assignee,
        Column::Status,
    ];
    let mut columns = configured.to_vec();
    let needed = |cols: &[Column]| -> u16 {
        // The flag column (2) and one space between columns.
        cols.iter()
            .map(|c| match width_of(*c) {
                Some(w) => w + 1,
                None => TITLE_MIN + 1,
            })
            .sum::<u16>()
            + 3
    };
    for drop in DROP_ORDER {
        if needed(&columns) <= width {
            break;
        }
        columns.retain(|c| *c != drop);
    }
    columns
}

fn width_of(column: Column) -> Option<u16> {
    match width(column) {
        Constraint::Length(n) => Some(n),
        _ => None,
    }
}

fn width(column: Column) -> Constraint {
    match column {
        Column::Key => Constraint::Length(14),
        Column::Type => Constraint::Length(5),
        Column::Title => Constraint::Fill(1),
        Column::Status => Constraint::Length(16),
        Column::Assignee => Constraint::Length(13),
        Column::Points => Constraint::Length(4),
        Column::Sprint | Column::Updated => Constraint::Length(10),
        Column::Priority => Constraint::Length(8),
    }
}

fn issue_row<'a>(
    state: &State,
    issue: &'a Safe<IssueRow>,
    columns: &[Column],
    today: &str,
) -> Row<'a> {
    let theme = &state.settings.theme;
    let overdue =
        issue.status_category != "done" && issue.due_date.as_deref().is_some_and(|d| d < today);
    let mut flags = Vec::new();
    if overdue {
        flags.push(Span::styled(symbols::OVERDUE, theme.overdue));
    }
    if issue.blocked {
        flags.push(Span::styled(symbols::BLOCKED, theme.blocked));
    }
    let mut cells = vec![Cell::from(Line::from(flags))];
    for column in columns {
        let cell = match column {
            Column::Key => {
                let style = if overdue { theme.overdue } else { theme.base };
                Cell::from(Span::styled(issue.key.as_str(), style))
            }
            Column::Type => Cell::from(issue.issue_type.clone()),
            Column::Title => Cell::from(issue.title.as_str()),
            Column::Status => {
                let (style, symbol) = symbols::category(theme, &issue.status_category);
                Cell::from(Span::styled(format!("{symbol} {}", issue.status), style))
            }
            Column::Assignee => Cell::from(assignee(issue.assignees.as_deref())),
            Column::Points => Cell::from(issue.story_points.map(points).unwrap_or_default()),
            Column::Sprint => Cell::from(issue.sprint.as_deref().unwrap_or_default()),
            Column::Priority => Cell::from(issue.priority.as_deref().unwrap_or_default()),
            Column::Updated => Cell::from(
                parse_instant(&issue.updated_at)
                    .map_or_else(String::new, |at| relative(at, state.now)),
            ),
        };
        cells.push(cell);
    }
    Row::new(cells)
}

fn group_row<'a>(state: &State, g: usize, columns: &[Column]) -> Row<'a> {
    let theme = &state.settings.theme;
    let group = &state.backlog.groups[g];
    let symbol = if group.collapsed {
        symbols::COLLAPSED
    } else {
        symbols::EXPANDED
    };
    let label = group.label.as_ref().map_or_else(
        || format!("(no {})", state.backlog.grouping.by.label()),
        ToString::to_string,
    );
    let mut cells = vec![Cell::from(Span::styled(symbol, theme.group_header))];
    for column in columns {
        cells.push(match column {
            Column::Key => Cell::from(Span::styled(
                format!("{} issues", group.count),
                theme.group_header,
            )),
            Column::Title => Cell::from(Span::styled(label.clone(), theme.group_header)),
            _ => Cell::from(""),
        });
    }
    if !columns.contains(&Column::Title)
        && let Some(cell) = cells.get_mut(1)
    {
        *cell = Cell::from(Span::styled(
            format!("{label} ({})", group.count),
            theme.group_header,
        ));
    }
    Row::new(cells)
}

fn assignee(list: Option<&str>) -> String {
    let Some(list) = list else {
        return String::new();
    };
    let mut names = list.split(", ");
    let first = names.next().unwrap_or("").to_owned();
    let more = names.count();
    if more > 0 {
        format!("{first} +{more}")
    } else {
        first
    }
}

fn points(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

fn filter_bar(state: &State, frame: &mut Frame, area: ratatui::layout::Rect) {
    let theme = &state.settings.theme;
    let f = &state.filter;
    if !f.open {
        let line = Line::from(vec![
            Span::styled(" filter ", theme.key_hint),
            Span::raw(state.backlog.query_text.as_str()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let input_area =
        ratatui::layout::Rect::new(area.x + 2, area.y, area.width.saturating_sub(2), 1);
    frame.render_widget(Paragraph::new(Span::styled("/", theme.key_hint)), area);
    frame.render_widget(&f.input, input_area);
    if let (Some(error), true) = (&f.error, area.height > 1) {
        let pad = " ".repeat(error.column + 1);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{pad}^ {}", error.message),
                theme.error,
            )),
            ratatui::layout::Rect::new(area.x, area.y + 1, area.width, 1),
        );
    }
}
