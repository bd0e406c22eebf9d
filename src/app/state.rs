//! The whole UI state. `update` changes it; `ui::render` only reads it.

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;

use super::msg::SourceFreshness;
use crate::config::SavedView;
use crate::config::theme::Theme;
use crate::domain::StatusCategory;
use crate::domain::overrides::OverrideField;
use crate::domain::query::{Query, QueryError, Sort, SortField};
use crate::keymap::{Key, Keymap};
use crate::store::detail::IssueDetail;
use crate::store::filter::Grouping;
use crate::store::read::IssueRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Backlog,
    Board,
    Dashboard,
    Chat,
    Proposals,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Backlog,
        Tab::Board,
        Tab::Dashboard,
        Tab::Chat,
        Tab::Proposals,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Backlog => "Backlog",
            Self::Board => "Board",
            Self::Dashboard => "Dashboard",
            Self::Chat => "Chat",
            Self::Proposals => "Proposals",
        }
    }
}

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
    pub rows: Vec<IssueRow>,
}

impl Window {
    pub fn get(&self, position: usize) -> Option<&IssueRow> {
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
    pub key: Option<String>,
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
    pub query_text: String,
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
    pub error: Option<String>,
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

    pub fn selected_row(&self) -> Option<&IssueRow> {
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
    pub status: String,
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
    pub data: Option<Box<IssueDetail>>,
    pub error: Option<String>,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub until: DateTime<Utc>,
}

/// What the dashboard's metrics need from the config.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSettings {
    pub working_days: Vec<String>,
    pub aging_days: u32,
    /// Username → points per sprint (config over tracker).
    pub capacity: std::collections::BTreeMap<String, f64>,
    pub default_capacity: Option<f64>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        let defaults = crate::config::MetricsConfig::default();
        Self {
            working_days: defaults.working_days,
            aging_days: defaults.aging_wip_days,
            capacity: std::collections::BTreeMap::new(),
            default_capacity: None,
        }
    }
}

/// The dashboard: the same report `sprintdeck report` prints, and the selected tile.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub generation: u64,
    pub report: Option<Box<crate::report::Report>>,
    pub error: Option<String>,
    pub tile: usize,
    /// The burndown chart fills the pane.
    pub full_burndown: bool,
    /// A sprint chosen with `[`/`]`; `None` is the active one.
    pub sprint: Option<String>,
    /// Index into [`RANGES`]: the completion range of "completed" and the cycle/lead times.
    pub range: usize,
    /// A load is under way (the report shown, if any, is older).
    pub refreshing: bool,
    /// The report shown is the stored snapshot of an earlier run.
    pub from_snapshot: bool,
    /// Issue-to-prompt figures, when loaded.
    pub prompt_stats: Option<crate::store::prompts::Stats>,
}

/// Completion ranges `r`/`R` step through: label, and days back from now (`None`: from the
/// sprint's start, or 14 days without a sprint).
pub const RANGES: [(&str, Option<u32>); 5] = [
    ("the sprint", None),
    ("14 days", Some(14)),
    ("30 days", Some(30)),
    ("90 days", Some(90)),
    ("180 days", Some(180)),
];

/// The tiles in display order: label and the report count behind it.
pub const TILES: [&str; 5] = [
    "in progress",
    "completed",
    "overdue",
    "not started",
    "blocked",
];

/// What the dashboard cursor is on: the tiles first, then the people, then the aging list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DashboardItem {
    Tile(usize),
    Person(String),
    Aging(String),
}

impl Dashboard {
    /// Everything Enter can open, in cursor order.
    pub fn items(&self) -> Vec<DashboardItem> {
        let mut items: Vec<DashboardItem> = (0..TILES.len()).map(DashboardItem::Tile).collect();
        if let Some(report) = &self.report {
            items.extend(
                report
                    .people
                    .iter()
                    .map(|p| DashboardItem::Person(p.person.clone())),
            );
            items.extend(
                report
                    .aging_wip
                    .iter()
                    .map(|a| DashboardItem::Aging(a.key.clone())),
            );
        }
        items
    }

    pub fn tile_keys(&self, tile: usize) -> Option<&[String]> {
        let c = &self.report.as_ref()?.counts;
        let count = [
            &c.in_progress,
            &c.completed,
            &c.overdue,
            &c.not_started,
            &c.blocked,
        ]
        .get(tile)
        .copied()?;
        Some(&count.keys)
    }
}

/// The sprint board: a sprint's issues in columns by status category, or by the workflow
/// statuses of the project shown (`[ui] workflows`).
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub generation: u64,
    pub loaded: bool,
    pub error: Option<String>,
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
    pub title: String,
    /// The name `[ui] wip_limits` knows it by: `todo`, `doing`, `done`, or the workflow status.
    pub limit_key: String,
    pub category: StatusCategory,
    /// A workflow column's status; `None` for a category column (the target status is the one
    /// the card's project already uses there) and for the "other" column (no moves into it).
    pub status: Option<String>,
    /// Statuses outside the workflow gather here; nothing can be moved into it.
    pub other: bool,
    pub cards: Vec<IssueRow>,
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
    pub fn lane(self, card: &IssueRow) -> Option<String> {
        match self {
            Self::Off => None,
            Self::Assignee => Some(
                card.assignees
                    .as_deref()
                    .and_then(|a| a.split(", ").next())
                    .unwrap_or("(unassigned)")
                    .to_owned(),
            ),
            Self::Parent => Some(
                card.parent_key
                    .clone()
                    .unwrap_or_else(|| "(no parent)".to_owned()),
            ),
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
    pub fn selected(&self) -> Option<&IssueRow> {
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

/// The background sync as the status bar and the Sync view show it.
#[derive(Debug, Clone, Default)]
pub struct SyncState {
    pub running: bool,
    /// When the next pass starts.
    pub next_at: Option<DateTime<Utc>>,
    /// Failed passes in a row (the retry delay doubles with each).
    pub failures: u32,
    /// What each source is doing now; absent means idle.
    pub phases: Vec<(String, SyncPhase)>,
    /// The Sync view (recent runs), when open.
    pub view: Option<SyncView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncPhase {
    Syncing {
        pages: usize,
        total: Option<usize>,
    },
    History {
        done: usize,
        total: usize,
    },
    Waiting {
        until: DateTime<Utc>,
        reason: String,
    },
    Failed {
        reason: String,
    },
}

impl SyncState {
    pub fn phase(&self, source: &str) -> Option<&SyncPhase> {
        self.phases
            .iter()
            .find(|(s, _)| s == source)
            .map(|(_, p)| p)
    }

    pub fn set_phase(&mut self, source: &str, phase: Option<SyncPhase>) {
        self.phases.retain(|(s, _)| s != source);
        if let Some(p) = phase {
            self.phases.push((source.to_owned(), p));
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SyncView {
    pub runs: Vec<crate::store::sync_state::RunRow>,
    pub loaded: bool,
    pub error: Option<String>,
    pub scroll: u16,
}

/// The chat pane: the conversation, the input, and where the current answer is.
// Independent switches of the view, not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct ChatPane {
    pub turns: Vec<ChatTurn>,
    pub input: TextArea<'static>,
    /// Id of the turn being answered; events of any other turn are stale.
    pub turn: u64,
    pub phase: ChatPhase,
    pub scroll: u16,
    /// Keep the newest text in view while it streams.
    pub follow: bool,
    /// The stored conversation these turns belong to (`None`: not saved yet).
    pub conversation: Option<i64>,
    /// The last conversation was asked for (once per session).
    pub loaded: bool,
    /// Show under each question the context sent with it (`c`).
    pub show_context: bool,
    /// Show each answer's reasoning whole instead of its first line (`t`).
    pub show_reasoning: bool,
    /// Index into [`Settings::llm_profiles`] of the model this conversation asks (`m`).
    pub profile: usize,
    /// The citation selected with tab (its order in the transcript).
    pub citation: Option<usize>,
    /// Where up/down is in the questions asked so far; `None`: not browsing.
    pub history_pos: Option<usize>,
    /// Older conversations to reopen (`o`); `None`: the list is closed.
    pub conversations: Option<ConversationList>,
    /// Keys go to the input (a question is being written); else to the conversation, where
    /// letters are commands.
    pub writing: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ConversationList {
    pub items: Vec<crate::store::chat::Conversation>,
    pub selected: usize,
    pub loaded: bool,
}

impl Default for ChatPane {
    fn default() -> Self {
        Self {
            turns: Vec::new(),
            input: TextArea::default(),
            turn: 0,
            phase: ChatPhase::Idle,
            scroll: 0,
            follow: true,
            conversation: None,
            loaded: false,
            show_context: false,
            show_reasoning: false,
            profile: 0,
            citation: None,
            history_pos: None,
            conversations: None,
            writing: true,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChatPhase {
    #[default]
    Idle,
    /// Sent; no token yet.
    Connecting,
    Streaming,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatTurn {
    pub question: String,
    pub answer: String,
    pub reasoning: String,
    pub status: TurnStatus,
    pub usage: Option<(u64, u64)>,
    /// What was sent with the question (the grounding), when known.
    pub context: Option<String>,
    /// Rate limited: the request goes again at this time (attempt number).
    pub waiting: Option<(DateTime<Utc>, u32)>,
    /// The answer parsed (markdown, citations cut out), kept up to date by `update`: a
    /// finished turn is never parsed again, the streaming one once per batch of pieces.
    pub lines: Vec<crate::domain::markdown::MdLine>,
    /// The issue keys the answer cites, in order, each once.
    pub cites: Vec<String>,
    /// Proposals the model made in this answer (`p` opens the last).
    pub proposals: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TurnStatus {
    #[default]
    Streaming,
    Done,
    /// Stopped with Esc: the text so far is kept.
    Stopped,
    /// The provider failed; the text so far is kept.
    Failed(String),
}

/// Fixed facts about this session.
#[derive(Debug, Clone)]
pub struct Settings {
    pub workspace: String,
    pub is_demo: bool,
    pub read_only: bool,
    pub me: Option<String>,
    pub columns: Vec<Column>,
    pub views: Vec<SavedView>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Configured source names, for the freshness list.
    pub sources: Vec<String>,
    pub metrics: MetricsSettings,
    /// Board column (`todo`, `doing`, `done`) → WIP limit.
    pub wip_limits: std::collections::BTreeMap<String, u32>,
    /// Project key or path → its workflow's statuses, for board columns.
    pub workflows: std::collections::BTreeMap<String, Vec<String>>,
    /// How often the background sync runs; `None` without sources (or read-only).
    pub sync_every: Option<chrono::Duration>,
    /// The configured model ("openai gpt-4o-mini"); `None`: no `[llm]`.
    pub llm_name: Option<String>,
    /// The default profile and the named ones, in the order `m` steps through them.
    pub llm_profiles: Vec<LlmChoice>,
    /// Issue-to-prompt templates (name, description, declared inputs) and the problems of
    /// those that failed to load.
    pub prompt_templates: Vec<TemplateInfo>,
    pub prompt_template_errors: Vec<String>,
    /// `[prompts] pipe`, the command `|` sends a prompt to.
    pub prompt_pipe: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateInfo {
    pub name: String,
    pub description: String,
    pub vars: Vec<String>,
}

impl TemplateInfo {
    pub fn of(library: &crate::prompt::Library) -> Vec<Self> {
        library
            .templates
            .iter()
            .map(|t| Self {
                name: t.name.clone(),
                description: t.description.clone(),
                vars: t.vars.clone(),
            })
            .collect()
    }
}

/// The approval queue: pending proposals, the selected one as a diff, the audit log.
#[derive(Debug, Clone, Default)]
pub struct ProposalsPane {
    pub list: Vec<crate::store::proposals::Proposal>,
    pub selected: usize,
    pub loaded: bool,
    pub error: Option<String>,
    /// Show every proposal, not only pending ones (`s`).
    pub all: bool,
    /// The audit log instead of the queue (`x`).
    pub audit: Option<Vec<crate::store::proposals::AuditRow>>,
    /// Asking for a reason before rejecting (`r`).
    pub rejecting: Option<TextArea<'static>>,
    /// Editing the selected proposal's changes before applying (`e`).
    pub editing: Option<ProposalEdit>,
    pub scroll: u16,
    /// Changes the trackers refused, as "KEY operation: reason" (`R` pushes again).
    pub failed_pushes: Vec<String>,
    /// Which of the selected proposal's issue keys tab has reached (Enter opens it).
    pub key_cursor: Option<usize>,
    /// Select this proposal when the list arrives (opened from the chat or the generator).
    pub focus: Option<i64>,
    /// The backlog generator (`g`), kept while hidden so nothing typed is lost.
    pub generator: Option<Box<super::generator::GeneratorPane>>,
    pub generator_shown: bool,
}

/// The selected proposal's changes being edited: which are kept, and the cursor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProposalEdit {
    pub changes: Vec<crate::domain::proposal::Change>,
    pub keep: Vec<bool>,
    pub cursor: usize,
}

/// Issue-to-prompt over the backlog: pick a template, fill its inputs, see the preview.
#[derive(Debug, Clone)]
pub struct PromptPane {
    pub issue_id: i64,
    pub issue_key: String,
    pub stage: PromptStage,
    pub scroll: u16,
}

#[derive(Debug, Clone)]
pub enum PromptStage {
    Pick {
        selected: usize,
    },
    /// The template's declared inputs, one editor each.
    Inputs {
        template: String,
        names: Vec<String>,
        values: Vec<TextArea<'static>>,
        field: usize,
    },
    Rendering {
        template: String,
    },
    Preview(Box<crate::prompt::Rendered>),
    /// Pasting the agent's answer to attach to the version shown.
    Output {
        rendered: Box<crate::prompt::Rendered>,
        editor: Box<TextArea<'static>>,
    },
    Failed(String),
}

/// A model the chat can ask, as the pane shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LlmChoice {
    /// `[llm.profiles.NAME]`; `None`: the keys directly under `[llm]`.
    pub name: Option<String>,
    /// "openai gpt-4o-mini".
    pub label: String,
    /// Prices per 1k input and output tokens, when configured.
    pub price_per_1k: (Option<f64>, Option<f64>),
}

impl LlmChoice {
    /// What `input` and `output` tokens cost, when both prices are known.
    pub fn cost(&self, input: u64, output: u64) -> Option<f64> {
        crate::llm::cost((input, output), self.price_per_1k)
    }
}

impl Settings {
    /// The models the chat can switch between (at least the default one when `[llm]` is set).
    pub fn llm_choices(&self) -> Vec<LlmChoice> {
        if self.llm_profiles.is_empty() {
            self.llm_name
                .iter()
                .map(|label| LlmChoice {
                    name: None,
                    label: label.clone(),
                    price_per_1k: (None, None),
                })
                .collect()
        } else {
            self.llm_profiles.clone()
        }
    }
}

impl Settings {
    /// What a config without `[ui]` gives: built-in keymap, dark theme, default columns.
    pub fn defaults(workspace: &str) -> Self {
        Self {
            workspace: workspace.to_owned(),
            is_demo: false,
            read_only: false,
            me: None,
            columns: crate::config::COLUMNS
                .iter()
                .filter_map(|c| Column::from_name(c))
                .collect(),
            views: Vec::new(),
            // The embedded keymap is validated by a test; an empty map is only a fallback.
            keymap: Keymap::load(None).unwrap_or_default(),
            theme: Theme::dark(),
            sources: Vec::new(),
            metrics: MetricsSettings::default(),
            wip_limits: std::collections::BTreeMap::new(),
            workflows: std::collections::BTreeMap::new(),
            sync_every: None,
            llm_name: None,
            llm_profiles: Vec::new(),
            prompt_templates: TemplateInfo::of(&crate::prompt::Library::load(None)),
            prompt_template_errors: Vec::new(),
            prompt_pipe: None,
        }
    }
}

// Independent flags (help shown, quit asked, redraw wanted, redraw now).
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone)]
pub struct State {
    pub settings: Settings,
    pub tab: Tab,
    pub size: (u16, u16),
    pub now: DateTime<Utc>,
    pub pending_keys: Vec<Key>,
    pub help: bool,
    pub help_scroll: u16,
    pub flash: Option<Flash>,
    pub backlog: Backlog,
    pub filter: FilterInput,
    pub detail: Option<Detail>,
    pub detail_generation: u64,
    pub dashboard: Dashboard,
    pub board: Board,
    pub freshness: Vec<SourceFreshness>,
    pub sync: SyncState,
    pub chat: ChatPane,
    /// Issue-to-prompt, over the backlog while open.
    pub prompt: Option<PromptPane>,
    pub proposals: ProposalsPane,
    pub quit: bool,
    pub dirty: bool,
    /// Draw at once rather than at the next frame (the first token of an answer).
    pub urgent: bool,
}

impl State {
    pub fn new(settings: Settings, now: DateTime<Utc>, size: (u16, u16), start: Tab) -> Self {
        Self {
            settings,
            tab: start,
            size,
            now,
            pending_keys: Vec::new(),
            help: false,
            help_scroll: 0,
            flash: None,
            backlog: Backlog::default(),
            filter: FilterInput::default(),
            detail: None,
            detail_generation: 0,
            dashboard: Dashboard::default(),
            board: Board::default(),
            freshness: Vec::new(),
            sync: SyncState::default(),
            chat: ChatPane::default(),
            quit: false,
            dirty: true,
            urgent: false,
            prompt: None,
            proposals: ProposalsPane::default(),
        }
    }

    /// Smaller than this, only a message is drawn.
    pub const MIN_SIZE: (u16, u16) = (40, 10);

    pub fn too_small(&self) -> bool {
        self.size.0 < Self::MIN_SIZE.0 || self.size.1 < Self::MIN_SIZE.1
    }
}
