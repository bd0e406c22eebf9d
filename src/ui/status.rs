use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::app::hint_context;
use crate::app::state::Tab;
use crate::domain::time::relative;
use crate::keymap::{Action, Context};

/// The actions worth a hint in each context, most useful first.
fn hinted(context: Context) -> &'static [Action] {
    match context {
        Context::Backlog => &[
            Action::Filter,
            Action::Open,
            Action::SortNext,
            Action::GroupNext,
            Action::Help,
            Action::Quit,
        ],
        Context::Detail => &[
            Action::Back,
            Action::Open,
            Action::Edit,
            Action::CopyKey,
            Action::OpenUrl,
            Action::Help,
        ],
        Context::Filter => &[Action::Apply, Action::Cancel, Action::HistoryPrev],
        Context::Board => &[
            Action::Right,
            Action::Down,
            Action::MoveRight,
            Action::GroupNext,
            Action::NextSprint,
            Action::NextProject,
            Action::Open,
            Action::Help,
            Action::Quit,
        ],
        Context::Dashboard => &[
            Action::Down,
            Action::Open,
            Action::Burndown,
            Action::NextSprint,
            Action::NextRange,
            Action::Help,
            Action::Quit,
        ],
        _ => &[Action::NextTab, Action::Help, Action::Quit],
    }
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let theme = &state.settings.theme;
    let mut left = vec![Span::raw(" "), Span::raw(state.settings.workspace.as_str())];
    if state.settings.is_demo {
        left.push(Span::styled(" [demo]", theme.accent));
    }
    if state.settings.read_only {
        left.push(Span::styled(" [read-only]", theme.accent));
    }
    left.push(Span::raw(" │ "));
    if state.settings.is_demo {
        left.push(Span::raw("demo data"));
    } else if state.freshness.is_empty() {
        left.push(Span::raw("no sources"));
    }
    for (i, source) in state.freshness.iter().enumerate() {
        if i > 0 {
            left.push(Span::raw(", "));
        }
        left.push(source_state(state, source));
    }
    left.push(Span::raw(" │ "));
    let b = &state.backlog;
    let count = if state.tab == Tab::Chat
        && let Some(usage) = super::chat::conversation_usage(state)
    {
        usage
    } else if !b.loaded {
        "loading…".to_owned()
    } else if b.query_text.is_empty() {
        format!("{} issues", b.matches)
    } else {
        format!("{} matches", b.matches)
    };
    left.push(Span::raw(count));

    let left_width: usize = left.iter().map(Span::width).sum();
    let right: Vec<Span> = if let Some(f) = &state.flash {
        vec![Span::styled(
            f.text.to_string(),
            if f.error { theme.error } else { theme.accent },
        )]
    } else {
        let room = usize::from(area.width).saturating_sub(left_width + 1);
        hints(state, room)
    };
    let right_width: usize = right.iter().map(Span::width).sum();
    let gap = usize::from(area.width).saturating_sub(left_width + right_width);
    let mut spans = left;
    if gap > 0 {
        spans.push(Span::raw(" ".repeat(gap)));
        spans.extend(right);
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

/// Key hints for the current context that fit in `room` columns: the middle ones give way
/// first, so help and quit stay.
fn hints(state: &State, room: usize) -> Vec<Span<'static>> {
    let theme = &state.settings.theme;
    let ctx = hint_context(state);
    // While a question is written, letters go to the input: only tab keeps its meaning.
    let actions: &[Action] = if state.tab == Tab::Chat && state.chat.writing {
        &[Action::NextTab]
    } else if state.tab == Tab::Backlog && state.prompt.is_some() {
        // The prompt pane shows its own keys.
        &[]
    } else {
        hinted(ctx)
    };
    let mut pairs: Vec<(String, String)> = actions
        .iter()
        .filter_map(|action| {
            let key = state
                .settings
                .keymap
                .keys_for(ctx, *action)
                .first()?
                .clone();
            Some((key, format!(" {}  ", short(*action))))
        })
        .collect();
    let width = |pairs: &[(String, String)]| -> usize {
        pairs
            .iter()
            .map(|(k, l)| Span::raw(k.as_str()).width() + Span::raw(l.as_str()).width())
            .sum()
    };
    while width(&pairs) > room && pairs.len() > 2 {
        pairs.remove(pairs.len() - 3);
    }
    if width(&pairs) > room {
        return Vec::new();
    }
    pairs
        .into_iter()
        .flat_map(|(key, label)| [Span::styled(key, theme.key_hint), Span::raw(label)])
        .collect()
}

fn short(action: Action) -> &'static str {
    match action {
        Action::Filter => "filter",
        Action::Open => "open",
        Action::SortNext => "sort",
        Action::GroupNext => "group",
        Action::Help => "help",
        Action::Quit => "quit",
        Action::Back => "back",
        Action::Edit => "edit",
        Action::CopyKey => "copy key",
        Action::OpenUrl => "browser",
        Action::Apply => "apply",
        Action::Cancel => "cancel",
        Action::HistoryPrev => "history",
        Action::NextTab => "next tab",
        Action::Down => "next",
        Action::Refresh => "reload",
        Action::Burndown => "burndown",
        Action::Right => "column",
        Action::MoveRight => "move card",
        Action::NextSprint => "sprint",
        Action::NextRange => "range",
        Action::NextProject => "project",
        _ => "",
    }
}

/// One source: syncing (pages), waiting for a retry, failed (and when it retries), or how long
/// ago it last synced.
fn source_state(state: &State, source: &crate::app::SourceFreshness) -> Span<'static> {
    use crate::app::state::SyncPhase;
    let theme = &state.settings.theme;
    let name = &source.name;
    let seconds = |at: chrono::DateTime<chrono::Utc>| (at - state.now).num_seconds().max(0);
    match state.sync.phase(&source.name) {
        Some(SyncPhase::Syncing { pages, total }) => {
            let done = match total {
                Some(t) => format!("{pages}/{t} pages"),
                None => format!("{pages} pages"),
            };
            Span::styled(format!("{name} syncing {done}"), theme.accent)
        }
        Some(SyncPhase::History { done, total }) => {
            Span::styled(format!("{name} history {done}/{total}"), theme.accent)
        }
        Some(SyncPhase::Waiting { until, reason }) => {
            let why = if reason.contains("429") {
                "rate limited"
            } else {
                "retrying"
            };
            Span::styled(
                format!("{name} {why}, next try in {} s", seconds(*until)),
                theme.accent,
            )
        }
        Some(SyncPhase::Failed { reason }) => {
            let short: String = reason.chars().take(48).collect();
            let retry = state
                .sync
                .next_at
                .map(|at| format!(" — retry in {} s", seconds(at)))
                .unwrap_or_default();
            Span::styled(format!("{name} failed: {short}{retry}"), theme.error)
        }
        None => {
            let when = source.last_ok.map_or_else(
                || "never synced".to_owned(),
                |at| format!("synced {}", relative(at, state.now)),
            );
            Span::raw(format!("{name} {when}"))
        }
    }
}
