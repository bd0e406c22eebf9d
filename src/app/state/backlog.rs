//! The backlog table's state: the query, the window of rows, the groups, the filter input, and
//! the issue detail opened over it.

use ratatui_textarea::TextArea;

use crate::domain::overrides::OverrideField;
use crate::domain::query::{Query, QueryError, Sort, SortField};
use crate::domain::text::{Safe, SafeText};
use crate::store::detail::IssueDetail;
use crate::store::filter::Grouping;
use crate::store::read::IssueRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Key,
    Type,
    Title,
    Status,
    Assignee,
    Points,
    Sprint,
    Priority,
    Updated,
}

impl Column {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "key" => Self::Key,
            "type" => Self::Type,
            "title" => Self::Title,
            "status" => Self::Status,
            "assignee" => Self::Assignee,
            "points" => Self::Points,
            "sprint" => Self::Sprint,
            "priority" => Self::Priority,
            "updated" => Self::Updated,
            _ => return None,
        })
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Key => "Key",
            Self::Type => "Type",
            Self::Title => "Title",
            Self::Status => "Status",
            Self::Assignee => "Assignee",
            Self::Points => "Pts",
            Self::Sprint => "Sprint",
            Self::Priority => "Priority",
            Self::Updated => "Updated",
        }
    }

    pub fn sort_field(self) -> SortField {
        match self {
            Self::Key => SortField::Key,
            Self::Type => SortField::Type,
            Self::Title => SortField::Title,
            Self::Status => SortField::Status,
            Self::Assignee => SortField::Assignee,
            Self::Points => SortField::Points,
            Self::Sprint => SortField::Sprint,
            Self::Priority => SortField::Priority,
            Self::Updated => SortField::Updated,
        }
    }
}

/// Rows `start..start + rows.len()` of the current result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    pub start: usize,
    pub rows: Vec<Safe<IssueRow>>,
}

impl Window {
    pub fn get(&self, position: usize) -> Option<&Safe<IssueRow>> {
        position
            .checked_sub(self.start)
            .and_then(|i| self.rows.get(i))
    }

    pub fn covers(&self, from: usize, to: usize) -> bool {
        from >= self.start && to <= self.start + self.rows.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// The value grouped by, as the store knows it (collapsing filters on it).
    pub key: Option<String>,
    /// The same, as shown.
    pub label: Option<SafeText>,
    pub count: usize,
    pub collapsed: bool,
    /// Where its header sits in the display list.
    pub display_index: usize,
    /// Row position of its first issue (meaningless when collapsed).
    pub first_row: usize,
}

/// One line of the backlog table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Header(usize),
    Row(usize),
}

#[derive(Debug, Clone, Default)]
pub struct Backlog {
    /// The query as typed (and as shown).
    pub query_text: SafeText,
    pub query: Query,
    pub sort_override: Option<Sort>,
    pub grouping: Grouping,
    pub generation: u64,
    pub loaded: bool,
    pub matches: usize,
    pub groups: Vec<GroupRow>,
    /// Rows listed (matches minus collapsed groups).
    pub rows_total: usize,
    pub window: Window,
    pub window_pending: Option<usize>,
    pub selected: usize,
    pub offset: usize,
    pub error: Option<SafeText>,
    /// After a reload under the user's feet (a sync), select this issue again if it is in the
    /// new window.
    pub keep_selected: Option<i64>,
}

impl Backlog {
    pub fn grouped(&self) -> bool {
        !self.groups.is_empty()
    }

    pub fn display_len(&self) -> usize {
        self.groups.len() + self.rows_total
    }

    pub fn item(&self, display_index: usize) -> Option<Item> {
        if display_index >= self.display_len() {
            return None;
        }
        if !self.grouped() {
            return Some(Item::Row(display_index));
        }
        let g = self
            .groups
            .partition_point(|g| g.display_index <= display_index)
            .checked_sub(1)?;
        let group = &self.groups[g];
        if group.display_index == display_index {
            Some(Item::Header(g))
        } else {
            Some(Item::Row(
                group.first_row + display_index - group.display_index - 1,
            ))
        }
    }

    pub fn selected_row(&self) -> Option<&Safe<IssueRow>> {
        match self.item(self.selected)? {
            Item::Row(pos) => self.window.get(pos),
            Item::Header(_) => None,
        }
    }

    pub fn effective_sort(&self) -> Sort {
        self.sort_override.or(self.query.sort).unwrap_or(Sort {
            field: SortField::Updated,
            descending: true,
        })
    }
}

#[derive(Default, Clone)]
pub struct FilterInput {
    pub open: bool,
    pub input: TextArea<'static>,
    /// The filter applied when the input opened, restored by Esc.
    pub previous: String,
    pub error: Option<QueryError>,
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
}

impl FilterInput {
    pub fn text(&self) -> String {
        self.input.lines().join(" ")
    }
}

/// A line of the status history: when the issue entered a status and how long it stayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: String,
    pub status: SafeText,
    pub category: String,
    pub duration: String,
}

#[derive(Clone)]
pub struct Editor {
    pub field: OverrideField,
    pub input: TextArea<'static>,
    pub error: Option<String>,
}

#[derive(Clone)]
pub struct Detail {
    pub issue_id: i64,
    pub generation: u64,
    pub data: Option<Safe<Box<IssueDetail>>>,
    pub error: Option<SafeText>,
    /// Over the selectable lines: the links, then the local fields.
    pub cursor: usize,
    pub scroll: u16,
    pub editing: Option<Editor>,
    /// Issues left by following links, for Back.
    pub trail: Vec<i64>,
    pub timeline: Vec<TimelineEntry>,
    pub description: Vec<crate::domain::markdown::MdLine>,
}

impl Detail {
    pub fn new(issue_id: i64, generation: u64) -> Self {
        Self {
            issue_id,
            generation,
            data: None,
            error: None,
            cursor: 0,
            scroll: 0,
            editing: None,
            trail: Vec::new(),
            timeline: Vec::new(),
            description: Vec::new(),
        }
    }

    pub fn link_count(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.links.len())
    }

    pub fn selectable(&self) -> usize {
        self.link_count() + OverrideField::ALL.len()
    }

    /// The local field under the cursor, if the cursor is on one.
    pub fn selected_field(&self) -> Option<OverrideField> {
        self.cursor
            .checked_sub(self.link_count())
            .and_then(|i| OverrideField::ALL.get(i).copied())
    }
}
