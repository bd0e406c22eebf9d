//! Everything a key can do. The keymap file names actions by their kebab-case name; help and
//! hints use the descriptions here (a context may describe an action in its own words, see
//! [`super::help`]).

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
    Close,
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
    Save,
    Apply,
    Cancel,
    Confirm,
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
    NextField,
    PrevField,
    // The chat.
    Send,
    Newline,
    Follow,
    Write,
    NextIssue,
    Retry,
    New,
    ToggleContext,
    ToggleReasoning,
    NextModel,
    Conversations,
    OpenProposal,
    // The approval queue.
    ShowAll,
    AuditLog,
    ApplyProposal,
    Reject,
    Undo,
    PlanSprint,
    FindRisks,
    Push,
    ToggleChange,
    MorePoints,
    FewerPoints,
    // The backlog generator.
    Generator,
    Generate,
    ExternalEditor,
    Stop,
    Drop,
    Refine,
    // Issue-to-prompt.
    Templates,
    Copy,
    WriteFile,
    Pipe,
    AttachOutput,
    Attach,
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
    ("close", Action::Close, "close"),
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
    ("save", Action::Save, "save"),
    ("apply", Action::Apply, "apply"),
    ("cancel", Action::Cancel, "cancel"),
    (
        "confirm",
        Action::Confirm,
        "the next field; on the last, go",
    ),
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
    ("next-field", Action::NextField, "next field"),
    ("prev-field", Action::PrevField, "previous field"),
    ("send", Action::Send, "send the question"),
    ("newline", Action::Newline, "a new line in the question"),
    ("follow", Action::Follow, "follow the newest text"),
    ("write", Action::Write, "write a question"),
    (
        "next-issue",
        Action::NextIssue,
        "walk the issues named here (then the next tab)",
    ),
    ("retry", Action::Retry, "ask the last question again"),
    ("new", Action::New, "start a new one"),
    (
        "toggle-context",
        Action::ToggleContext,
        "show the context sent with each question",
    ),
    (
        "toggle-reasoning",
        Action::ToggleReasoning,
        "show the whole reasoning",
    ),
    ("next-model", Action::NextModel, "next model (profile)"),
    (
        "conversations",
        Action::Conversations,
        "reopen an older conversation",
    ),
    (
        "open-proposal",
        Action::OpenProposal,
        "open the proposal made (it applies nothing)",
    ),
    ("show-all", Action::ShowAll, "all proposals or pending only"),
    ("audit-log", Action::AuditLog, "the audit log"),
    (
        "apply-proposal",
        Action::ApplyProposal,
        "apply (all changes, or none)",
    ),
    ("reject", Action::Reject, "reject, with an optional reason"),
    ("undo", Action::Undo, "undo the last applied proposal"),
    ("plan-sprint", Action::PlanSprint, "plan the next sprint"),
    ("find-risks", Action::FindRisks, "look for risks"),
    ("push", Action::Push, "push refused changes again"),
    (
        "toggle-change",
        Action::ToggleChange,
        "keep or drop the change",
    ),
    ("more-points", Action::MorePoints, "one point more"),
    ("fewer-points", Action::FewerPoints, "one point fewer"),
    (
        "generator",
        Action::Generator,
        "backlog generator: an idea (and documents) to epics, stories, tasks",
    ),
    ("generate", Action::Generate, "generate"),
    (
        "external-editor",
        Action::ExternalEditor,
        "write the idea in $VISUAL / $EDITOR",
    ),
    ("stop", Action::Stop, "stop"),
    ("drop", Action::Drop, "drop the item (rules checked again)"),
    (
        "refine",
        Action::Refine,
        "refine by instruction (replaces the proposal, shows the diff)",
    ),
    ("templates", Action::Templates, "back to the templates"),
    ("copy", Action::Copy, "copy the prompt (OSC 52)"),
    (
        "write-file",
        Action::WriteFile,
        "write the prompt to a file in the data dir",
    ),
    ("pipe", Action::Pipe, "pipe the prompt to [prompts] pipe"),
    (
        "attach-output",
        Action::AttachOutput,
        "paste the agent's answer to attach to this version",
    ),
    ("attach", Action::Attach, "attach the pasted answer"),
];

impl Action {
    /// Every action (the views as `view-0`…`view-9`).
    pub fn all() -> Vec<Action> {
        let mut all: Vec<Action> = TABLE.iter().map(|(_, a, _)| *a).collect();
        all.extend((0..=9).map(Action::View));
        all
    }

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

    /// Actions that change the team's data (the database or the trackers), or start doing so;
    /// refused in read-only mode by the one check every key passes.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Self::Edit
                | Self::Save
                | Self::MoveLeft
                | Self::MoveRight
                | Self::ApplyProposal
                | Self::Reject
                | Self::Undo
                | Self::PlanSprint
                | Self::FindRisks
                | Self::Push
                | Self::MorePoints
                | Self::FewerPoints
                | Self::Generator
                | Self::Generate
                | Self::Drop
                | Self::Refine
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_name_that_reads_back() {
        let all = Action::all();
        for action in &all {
            assert_eq!(action.name().parse::<Action>(), Ok(*action), "{action:?}");
            assert!(!action.description().is_empty(), "{action:?}");
        }
        let mut names: Vec<String> = all.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a name is used twice");
    }
}
