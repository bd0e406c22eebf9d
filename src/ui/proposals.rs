//! The Proposals pane: the queue on the left, the selected proposal as a diff on the right;
//! the audit log in place of both with `x`.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::hints::{every, item, key, keys as keys_of, line, pair, spoken};
use crate::app::State;
use crate::app::proposals::{Look, ShownProposal};
use crate::app::state::ProposalEdit;
use crate::config::theme::Theme;
use crate::domain::proposal::ProposalState;
use crate::domain::text::Safe;

/// The pane's keys along its bottom line, from the keymap.
fn keys(state: &State) -> String {
    use crate::keymap::{Action as A, Context as C};
    let pane = &state.proposals;
    if state.settings.read_only {
        return line([
            Some("read-only: proposals are shown, not decided".to_owned()),
            item(state, C::Proposals, A::AuditLog, "audit log"),
            item(state, C::Proposals, A::ShowAll, "all/pending"),
        ]);
    }
    if pane.editing.is_some() {
        return line([
            item(state, C::ProposalEdit, A::ToggleChange, "keep/drop"),
            pair(
                state,
                C::ProposalEdit,
                (A::MorePoints, A::FewerPoints),
                "points",
            ),
            every(
                state,
                C::ProposalEdit,
                A::ApplyProposal,
                " or ",
                "apply the kept changes",
            ),
            item(state, C::ProposalEdit, A::Cancel, "cancel"),
        ]);
    }
    line([
        item(state, C::Proposals, A::ApplyProposal, "apply"),
        item(state, C::Proposals, A::Reject, "reject"),
        item(state, C::Proposals, A::Edit, "edit"),
        item(state, C::Proposals, A::Undo, "undo"),
        item(state, C::Proposals, A::AuditLog, "audit"),
        item(state, C::Proposals, A::Generator, "generate backlog"),
        item(state, C::Proposals, A::PlanSprint, "plan"),
        item(state, C::Proposals, A::FindRisks, "analyse"),
        item(state, C::Proposals, A::Push, "push again"),
        item(state, C::Proposals, A::ShowAll, "all"),
    ])
}

/// The rejection's input title: how to send it or keep the proposal.
fn reject_title(state: &State) -> String {
    use crate::keymap::{Action as A, Context as C};
    format!(
        " reject: why? ({} rejects, {} cancels) ",
        key(state, C::ProposalReject, A::Reject).unwrap_or_default(),
        key(state, C::ProposalReject, A::Cancel).unwrap_or_default()
    )
}

/// The first key of `action` in the queue, for the pane's sentences ("R tries again").
fn queue_key(state: &State, action: crate::keymap::Action) -> String {
    key(state, crate::keymap::Context::Proposals, action).unwrap_or_default()
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let pane = &state.proposals;
    if pane.generator_shown
        && let Some(g) = &pane.generator
    {
        super::generator::render(state, g, frame, area);
        return;
    }
    let [body, help] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(Span::styled(keys(state), theme.dim)), help);
    if let Some(rows) = &pane.audit {
        audit(state, rows, frame, body);
        return;
    }
    // Changes the trackers refused stay visible until a push gets them through.
    let body = if pane.failed_pushes.is_empty() {
        body
    } else {
        let [warn, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    " {} change(s) not pushed: {} ({} tries again)",
                    pane.failed_pushes.len(),
                    pane.failed_pushes[0],
                    queue_key(state, crate::keymap::Action::Push)
                ),
                theme.error,
            )),
            warn,
        );
        rest
    };
    if let Some(e) = &pane.error {
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {e}"), theme.error)),
            body,
        );
        return;
    }
    if pane.loaded && pane.list.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    " nothing to decide: {} plans the next sprint, {} looks for risks (and sync runs the analyst)",
                    queue_key(state, crate::keymap::Action::PlanSprint),
                    queue_key(state, crate::keymap::Action::FindRisks)
                ),
                theme.dim,
            )),
            body,
        );
        return;
    }
    let [list, detail] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
    queue(state, frame, list);
    if let Some(p) = pane.shown.get(pane.selected) {
        frame.render_widget(
            Paragraph::new(diff(
                state,
                p,
                pane.editing.as_ref(),
                pane.rejecting.is_some(),
                pane.key_cursor,
            ))
            .wrap(Wrap { trim: false })
            .scroll((pane.scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border)
                    .title(format!(" #{} ", p.id)),
            ),
            detail,
        );
        if let Some(reason) = &pane.rejecting {
            let area = Rect::new(detail.x, detail.bottom().saturating_sub(3), detail.width, 3);
            let mut input = reason.clone();
            input.set_block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.accent)
                    .title(reject_title(state)),
            );
            frame.render_widget(ratatui::widgets::Clear, area);
            frame.render_widget(&input, area);
        }
    }
}

fn age(state: &State, p: &ShownProposal) -> String {
    p.created_at.map_or_else(String::new, |at| {
        crate::domain::time::relative(at, state.now)
    })
}

/// The selected proposal: what, why, evidence, and its changes as a diff (new issues as a tree).
fn diff<'a>(
    state: &State,
    p: &'a ShownProposal,
    edit: Option<&'a ProposalEdit>,
    rejecting: bool,
    key_cursor: Option<usize>,
) -> Vec<Line<'a>> {
    use crate::keymap::Action;
    let theme = &state.settings.theme;
    let mut lines = vec![Line::styled(p.title.as_str(), theme.header)];
    if let Some(key) = key_cursor.and_then(|i| p.keys.get(i)) {
        lines.push(Line::styled(
            format!(
                "issue {key} ({} opens, {} next)",
                queue_key(state, Action::Open),
                queue_key(state, Action::NextIssue)
            ),
            theme.selected,
        ));
    }
    let mut meta = format!("{} by {} · {}", p.kind.as_str(), p.author, p.state.as_str());
    if let Some(s) = &p.severity {
        let _ = write!(meta, " · severity {s}");
    }
    lines.push(Line::styled(meta, theme.dim));
    if let Some(r) = &p.decision_reason {
        lines.push(Line::styled(r.as_str(), theme.error));
    }
    lines.push(Line::raw(""));
    for l in p.explanation.lines() {
        lines.push(Line::raw(l));
    }
    if let Some(evidence) = &p.evidence {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("evidence: {evidence}"), theme.dim));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("changes", theme.header));
    let changes = edit.map_or(&p.changes, |e| &e.shown);
    for (i, c) in changes.iter().enumerate() {
        let (mark, style) = match edit {
            Some(e) => {
                let keep = e.keep.get(i).copied().unwrap_or(true);
                let style = if i == e.cursor {
                    theme.selected
                } else if keep {
                    Style::default()
                } else {
                    theme.dim
                };
                (if keep { "[x] " } else { "[ ] " }, style)
            }
            None => ("", change_style(theme, c.look)),
        };
        for (n, text) in c.lines.iter().enumerate() {
            let indent = "  ".repeat(c.depth + usize::from(n > 0));
            lines.push(Line::styled(
                format!("{mark}{indent}{text}"),
                if n == 0 { style } else { theme.dim },
            ));
        }
    }
    if rejecting {
        lines.extend([Line::raw(""), Line::raw(""), Line::raw("")]);
    }
    lines
}

fn change_style(theme: &Theme, look: Look) -> Style {
    match look {
        Look::Create => theme.accent,
        Look::Remove => theme.error,
        Look::Other => Style::default(),
    }
}

fn audit(
    state: &State,
    rows: &[Safe<crate::store::proposals::AuditRow>],
    frame: &mut Frame,
    area: Rect,
) {
    let theme = &state.settings.theme;
    let mut lines = Vec::new();
    if rows.is_empty() {
        lines.push(Line::styled("nothing decided yet", theme.dim));
    }
    for r in rows {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}  ", r.at.replace('T', " ").trim_end_matches('Z')),
                theme.dim,
            ),
            Span::raw(format!(
                "{:<12} {:<7} #{:<5} {}",
                r.actor,
                r.action,
                r.proposal_id
                    .map_or_else(|| "-".to_owned(), |i| i.to_string()),
                r.title.as_deref().unwrap_or("")
            )),
        ]));
        // A model run says what ran: model, prompt version, documents, tokens, cost.
        if let Some(run) = &r.run {
            lines.push(Line::styled(format!("      {run}"), theme.dim));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((state.proposals.scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border)
                    .title(format!(
                        " audit log ({} closes) ",
                        spoken(&keys_of(
                            state,
                            crate::keymap::Context::Audit,
                            crate::keymap::Action::Close
                        ))
                    )),
            ),
        area,
    );
}

/// The queue: one line per proposal, the selected one highlighted.
fn queue(state: &State, frame: &mut Frame, list: Rect) {
    let theme = &state.settings.theme;
    let pane = &state.proposals;
    let mut lines = Vec::new();
    for (i, p) in pane.shown.iter().enumerate() {
        let style = if i == pane.selected {
            theme.selected
        } else if p.state == ProposalState::Pending {
            Style::default()
        } else {
            theme.dim
        };
        let badge = p.severity.as_deref().map_or("", |s| match s {
            "high" => "!! ",
            "medium" => "!  ",
            _ => "·  ",
        });
        lines.push(Line::styled(
            format!(
                "{badge}{}{} · {} chg · {} · {}",
                p.title,
                if p.state == ProposalState::Pending {
                    String::new()
                } else {
                    format!(" [{}]", p.state.as_str())
                },
                p.changes.len(),
                p.author,
                age(state, p),
            ),
            style,
        ));
    }
    let top = pane
        .selected
        .saturating_sub(usize::from(list.height.saturating_sub(3)));
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(top).unwrap_or(0), 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border)
                    .title(format!(
                        " proposals ({}) ",
                        if pane.all { "all" } else { "pending" }
                    )),
            ),
        list,
    );
}
