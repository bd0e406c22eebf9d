//! The sprint board's state: columns of cards, the lanes, the sprint and project shown.

use crate::domain::StatusCategory;
use crate::domain::text::{Safe, SafeText};
use crate::store::read::IssueRow;

/// The sprint board: a sprint's issues in columns by status category, or by the workflow
/// statuses of the project shown (`[ui] workflows`).
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub generation: u64,
    pub loaded: bool,
    pub error: Option<SafeText>,
    /// What the board shows ("OPS · Sprint 47"), made when it loads.
    pub heading: SafeText,
    pub columns: Vec<BoardColumn>,
    pub column: usize,
    /// Issues with a local change waiting to be pushed to the tracker.
    pub pending: Vec<i64>,
    pub swimlanes: Swimlanes,
    /// A sprint chosen with `[`/`]`; `None` is the active one.
    pub sprint: Option<String>,
    /// Every sprint's name, oldest first, for `[`/`]`.
    pub sprints: Vec<String>,
    /// A project chosen with `p`; `None` shows every project.
    pub project: Option<String>,
    /// The projects seen on the board over all projects, for `p`.
    pub projects: Vec<String>,
    /// (project key, status) → the category the data gives it, for moves into workflow columns.
    pub categories: Vec<(String, String, StatusCategory)>,
}

/// One board column: its cards in priority order (kept together by lane) and where a card
/// moved into it goes.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub title: SafeText,
    /// The name `[ui] wip_limits` knows it by: `todo`, `doing`, `done`, or the workflow status.
    pub limit_key: String,
    pub category: StatusCategory,
    /// A workflow column's status; `None` for a category column (the target status is the one
    /// the card's project already uses there) and for the "other" column (no moves into it).
    pub status: Option<String>,
    /// Statuses outside the workflow gather here; nothing can be moved into it.
    pub other: bool,
    pub cards: Vec<Safe<IssueRow>>,
    pub selected: usize,
}

/// Board rows: none, one per assignee, or one per parent (epic or story).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Swimlanes {
    #[default]
    Off,
    Assignee,
    Parent,
}

impl Swimlanes {
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Off => Self::Assignee,
            Self::Assignee => Self::Parent,
            Self::Parent => Self::Off,
        }
    }

    /// The lane a card belongs to (`None` when lanes are off).
    pub fn lane(self, card: &IssueRow) -> Option<SafeText> {
        match self {
            Self::Off => None,
            Self::Assignee => Some(SafeText::line(
                card.assignees
                    .as_deref()
                    .and_then(|a| a.split(", ").next())
                    .unwrap_or("(unassigned)"),
            )),
            Self::Parent => Some(SafeText::line(
                card.parent_key.as_deref().unwrap_or("(no parent)"),
            )),
        }
    }
}

/// The category columns: limit key, title, category.
pub const BOARD_COLUMNS: [(&str, &str, StatusCategory); 3] = [
    ("todo", "To do", StatusCategory::Todo),
    ("doing", "In progress", StatusCategory::InProgress),
    ("done", "Done", StatusCategory::Done),
];

impl Board {
    pub fn selected(&self) -> Option<&Safe<IssueRow>> {
        let column = self.columns.get(self.column)?;
        column.cards.get(column.selected)
    }

    /// The sprint on the board: the one chosen, or the one its cards are in.
    pub fn shown_sprint(&self) -> Option<String> {
        self.sprint.clone().or_else(|| {
            self.columns
                .iter()
                .flat_map(|c| &c.cards)
                .find_map(|c| c.sprint.clone())
        })
    }

    pub fn card_count(&self) -> usize {
        self.columns.iter().map(|c| c.cards.len()).sum()
    }
}
