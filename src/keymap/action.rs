//! Everything a key can do. The keymap file names actions by their kebab-case name; help and
//! status-bar hints use the descriptions here.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    Refresh,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Filter,
    ClearFilter,
    SortNext,
    SortReverse,
    GroupNext,
    ToggleGroup,
    OpenUrl,
    CopyKey,
    CopyUrl,
    Edit,
    Apply,
    Cancel,
    HistoryPrev,
    HistoryNext,
    Burndown,
    Left,
    Right,
    MoveLeft,
    MoveRight,
    PrevSprint,
    NextSprint,
    NextRange,
    PrevRange,
    NextProject,
    SyncView,
    /// Render the issue into a prompt for a coding agent.
    Prompt,
    /// Switch to saved view N (1-based); 0 shows everything.
    View(u8),
}

const TABLE: &[(&str, Action, &str)] = &[
    ("quit", Action::Quit, "quit"),
    ("help", Action::Help, "show the keys of this view"),
    ("next-tab", Action::NextTab, "next tab"),
    ("prev-tab", Action::PrevTab, "previous tab"),
    (
        "refresh",
        Action::Refresh,
        "sync the sources now and reload from the database",
    ),
    ("up", Action::Up, "move up"),
    ("down", Action::Down, "move down"),
    ("top", Action::Top, "go to the first row"),
    ("bottom", Action::Bottom, "go to the last row"),
    ("page-up", Action::PageUp, "one page up"),
    ("page-down", Action::PageDown, "one page down"),
    ("open", Action::Open, "open the selection"),
    ("back", Action::Back, "go back"),
    ("filter", Action::Filter, "filter with the query language"),
    ("clear-filter", Action::ClearFilter, "show all issues"),
    ("sort-next", Action::SortNext, "sort by the next column"),
    (
        "sort-reverse",
        Action::SortReverse,
        "reverse the sort order",
    ),
    (
        "group-next",
        Action::GroupNext,
        "group by none / epic / assignee / sprint",
    ),
    (
        "toggle-group",
        Action::ToggleGroup,
        "collapse or expand the group",
    ),
    ("open-url", Action::OpenUrl, "open the issue in the browser"),
    ("copy-key", Action::CopyKey, "copy the issue key"),
    ("copy-url", Action::CopyUrl, "copy the issue URL"),
    ("edit", Action::Edit, "edit the selected local field"),
    ("apply", Action::Apply, "apply"),
    ("cancel", Action::Cancel, "cancel"),
    (
        "history-prev",
        Action::HistoryPrev,
        "previous filter from history",
    ),
    (
        "history-next",
        Action::HistoryNext,
        "next filter from history",
    ),
    ("burndown", Action::Burndown, "full-screen burndown chart"),
    ("left", Action::Left, "column to the left"),
    ("right", Action::Right, "column to the right"),
    (
        "move-left",
        Action::MoveLeft,
        "move the card one column left",
    ),
    (
        "move-right",
        Action::MoveRight,
        "move the card one column right",
    ),
    (
        "prev-sprint",
        Action::PrevSprint,
        "show the previous sprint",
    ),
    ("next-sprint", Action::NextSprint, "show the next sprint"),
    (
        "next-range",
        Action::NextRange,
        "completion range: sprint / 14 / 30 / 90 / 180 days",
    ),
    ("prev-range", Action::PrevRange, "previous completion range"),
    (
        "next-project",
        Action::NextProject,
        "show one project (its workflow columns) / all",
    ),
    (
        "sync-view",
        Action::SyncView,
        "recent sync runs: counts and errors",
    ),
    (
        "prompt",
        Action::Prompt,
        "render the issue into a prompt for a coding agent",
    ),
];

impl Action {
    pub fn name(self) -> String {
        match self {
            Self::View(n) => format!("view-{n}"),
            other => TABLE
                .iter()
                .find(|(_, a, _)| *a == other)
                .map_or_else(String::new, |(n, _, _)| (*n).to_owned()),
        }
    }

    pub fn description(self) -> String {
        match self {
            Self::View(0) => "show all issues".to_owned(),
            Self::View(n) => format!("saved view {n}"),
            other => TABLE
                .iter()
                .find(|(_, a, _)| *a == other)
                .map_or_else(String::new, |(_, _, d)| (*d).to_owned()),
        }
    }

    /// Actions that change data; refused in read-only mode.
    pub fn writes(self) -> bool {
        matches!(self, Self::Edit | Self::MoveLeft | Self::MoveRight)
    }

    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = TABLE.iter().map(|(n, _, _)| (*n).to_owned()).collect();
        names.push("view-0 … view-9".to_owned());
        names
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Action {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(n) = s.strip_prefix("view-") {
            return n
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 9)
                .map(Self::View)
                .ok_or(());
        }
        TABLE
            .iter()
            .find(|(n, _, _)| *n == s)
            .map(|(_, a, _)| *a)
            .ok_or(())
    }
}
