//! Everything that can happen to the app (`Msg`) and everything it can ask for (`Effect`).
//! Effects are data; the runtime executes them and answers with messages.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

use crate::domain::overrides::OverrideField;
use crate::store::detail::IssueDetail;
use crate::store::filter::{Grouping, SqlFilter};
use crate::store::read::IssueRow;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    FocusGained,
    FocusLost,
    /// Once a second, with the injected clock's time.
    Tick(DateTime<Utc>),
    BacklogLoaded {
        generation: u64,
        result: Result<BacklogPage, String>,
    },
    WindowLoaded {
        generation: u64,
        start: usize,
        result: Result<Vec<IssueRow>, String>,
    },
    DetailLoaded {
        generation: u64,
        result: Result<Box<IssueDetail>, String>,
    },
    OverrideSaved {
        issue_id: i64,
        field: OverrideField,
        result: Result<(), String>,
    },
    Freshness(Vec<SourceFreshness>),
    BoardLoaded {
        generation: u64,
        result: Result<BoardData, String>,
    },
    CardMoved {
        key: String,
        target: String,
        result: Result<(), String>,
    },
    DashboardLoaded {
        generation: u64,
        result: Result<Box<crate::report::Report>, String>,
    },
    /// The stored report of an earlier run (`None`: none, or from an older build).
    DashboardSnapshot {
        generation: u64,
        report: Option<Box<crate::report::Report>>,
    },
    /// Progress of the background sync.
    Sync(crate::sync::SyncEvent),
    /// A sync pass ended: each source's counts or failure.
    SyncDone(Vec<(String, Result<crate::sync::Counts, String>)>),
    SyncRuns(Result<Vec<crate::store::sync_state::RunRow>, String>),
    /// Pieces of the answer to chat turn `turn` (one at a time while streaming).
    ChatEvents {
        turn: u64,
        events: Vec<crate::llm::LlmEvent>,
    },
    ChatSaved(Result<i64, String>),
    /// A conversation to show (the last one on the pane's first showing, or one reopened).
    ChatLoaded {
        found: Option<(
            crate::store::chat::Conversation,
            Vec<crate::store::chat::SavedTurn>,
        )>,
        /// Chosen from the list (replaces the pane's conversation), not the first showing.
        reopen: bool,
    },
    /// Stored conversations for the list to reopen.
    Conversations(Result<Vec<crate::store::chat::Conversation>, String>),
    /// The issue a key names (a chat citation, a proposal's issue); `None`: not in this database.
    IssueFound {
        key: String,
        issue_id: Option<i64>,
    },
    /// An issue rendered into a prompt (kept as a version), or why not.
    PromptRendered(Result<Box<crate::prompt::Rendered>, String>),
    PromptStats(Result<crate::store::prompts::Stats, String>),
    ProposalsLoaded {
        result: Result<Vec<crate::store::proposals::Proposal>, String>,
        /// Outbox rows the trackers refused (shown with `R` to retry).
        failed_pushes: Vec<String>,
    },
    AuditLoaded(Result<Vec<crate::store::proposals::AuditRow>, String>),
    /// A proposal decision carried out, or why not; `changed`: the backlog changed.
    ProposalDone {
        result: Result<String, String>,
        changed: bool,
    },
    /// Pieces of generator run `run` (streamed text, repairs, splits).
    GeneratorProgress {
        run: u64,
        events: Vec<crate::generator::run::Progress>,
    },
    GeneratorDone {
        run: u64,
        result: Result<Box<super::generator::Generation>, String>,
    },
    /// The rules on an edited generated backlog (its proposal revised).
    GeneratorChecked {
        proposal: i64,
        result: Result<Vec<crate::generator::Violation>, String>,
    },
    /// The text back from the user's editor, or why not.
    Edited(Result<String, String>),
    /// The outcome of a fire-and-forget effect (copy, open), for the status bar.
    Notice {
        text: String,
        error: bool,
    },
}

/// The board's cards, the issues with a local change not yet pushed, and every sprint's name.
/// Which report the dashboard asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardView {
    /// `None`: the active sprint.
    pub sprint: Option<String>,
    /// Completions over this many days back; `None`: since the sprint's start.
    pub range_days: Option<u32>,
    pub workspace: String,
    pub metrics: super::state::MetricsSettings,
    /// Store the result as the snapshot the next start draws first.
    pub save_snapshot: bool,
}

/// What the board shows: the sprint's cards, the ones with a pending push, every sprint's name,
/// and (for a project with a workflow) the category the data gives each status.
#[derive(Debug, Clone, Default)]
pub struct BoardData {
    pub rows: Vec<IssueRow>,
    pub pending: Vec<i64>,
    pub sprints: Vec<String>,
    pub categories: Vec<(String, String, crate::domain::StatusCategory)>,
}

/// The first answer to a backlog query: how many match, the groups, and a window of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct BacklogPage {
    pub matches: usize,
    pub groups: Vec<(Option<String>, usize)>,
    pub window_start: usize,
    pub rows: Vec<IssueRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFreshness {
    pub name: crate::domain::text::SafeText,
    pub last_ok: Option<DateTime<Utc>>,
}

/// A backlog query as the store runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct BacklogRequest {
    pub filter: SqlFilter,
    pub grouping: Grouping,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadBacklog {
        generation: u64,
        request: BacklogRequest,
        window: (usize, usize),
    },
    LoadWindow {
        generation: u64,
        request: BacklogRequest,
        start: usize,
        len: usize,
    },
    LoadDetail {
        generation: u64,
        issue_id: i64,
    },
    SaveOverride {
        issue_id: i64,
        field: OverrideField,
        value: Option<String>,
    },
    SaveHistory(Vec<String>),
    LoadBoard {
        generation: u64,
        filter: SqlFilter,
        /// The project whose status categories the workflow columns need.
        workflow_project: Option<String>,
    },
    MoveCard(crate::store::moves::CardMove),
    LoadDashboard {
        generation: u64,
        view: DashboardView,
    },
    LoadDashboardSnapshot {
        generation: u64,
    },
    LoadFreshness,
    /// One sync pass over the configured sources, in the background.
    StartSync,
    /// Ask the model (grounded in the store); events come back as `ChatEvent`s of `turn`.
    ChatAsk {
        turn: u64,
        question: String,
        /// Earlier questions and answers of the conversation.
        history: Vec<(String, String)>,
        /// `[llm.profiles.NAME]` to ask; `None`: the keys under `[llm]`.
        profile: Option<String>,
        /// Offer the model the `propose_changes` tool (not in read-only mode).
        propose: bool,
    },
    /// Abort the request of the current answer.
    ChatStop,
    /// Keep a finished, stopped or failed turn in the conversation (`None`: a new one).
    SaveChatTurn {
        conversation: Option<i64>,
        profile: Option<String>,
        turn: crate::store::chat::SavedTurn,
    },
    /// A stored conversation (`None`: the most recent, for the pane's first showing).
    LoadChat(Option<i64>),
    /// Prepare what every question needs (the sprint summary) before the first one is asked.
    WarmChat,
    /// Render an issue into a template and keep the version.
    RenderPrompt {
        issue_id: i64,
        template: String,
        vars: std::collections::BTreeMap<String, String>,
    },
    /// Write a version's text to a file in the data dir's `prompts/`.
    WritePrompt(Box<crate::store::prompts::Version>),
    /// Send a prompt to `[prompts] pipe` on its standard input.
    PipePrompt {
        command: String,
        text: String,
    },
    /// Attach an agent's answer to a version.
    SavePromptOutput {
        version_id: i64,
        text: String,
    },
    LoadPromptStats,
    LoadProposals {
        all: bool,
    },
    LoadAudit,
    /// Apply a pending proposal (with its changes edited, when given).
    ApplyProposal {
        id: i64,
        changes: Option<Vec<crate::domain::proposal::Change>>,
    },
    RejectProposal {
        id: i64,
        reason: Option<String>,
    },
    UndoProposal,
    RunPlanner,
    RunAnalyst,
    /// Push applied changes to the trackers (when sources are configured and write-back is on).
    PushOutbox,
    /// The stored conversations, for the list to reopen.
    LoadConversations,
    /// Generate (or refine) a backlog; progress comes back as `GeneratorProgress`.
    Generate(Box<super::generator::GenerateJob>),
    StopGenerating,
    /// Hand the terminal to `$EDITOR` with this text; `Edited` brings it back.
    EditInEditor(String),
    /// Check the rules on an edited generated backlog and revise its pending proposal.
    RecheckGenerated {
        proposal: i64,
        backlog: Box<crate::generator::Backlog>,
    },
    /// Look up the issue a key names, to open it.
    FindIssue(String),
    LoadSyncRuns,
    OpenUrl(String),
    Copy {
        text: String,
        what: String,
    },
}

impl Effect {
    /// The effect changes the team's data: the database (proposals, the outbox, local fields,
    /// kept conversations, the sync's copy, the dashboard's snapshot) or the trackers. A
    /// read-only UI dispatches none of these. Prompt versions and their pasted outputs are the
    /// user's own log, which `sprintdeck --read-only prompt render` keeps too; the filter history
    /// is a file of the user's own.
    pub fn writes(&self) -> bool {
        match self {
            Self::SaveOverride { .. }
            | Self::MoveCard(_)
            | Self::StartSync
            | Self::SaveChatTurn { .. }
            | Self::ApplyProposal { .. }
            | Self::RejectProposal { .. }
            | Self::UndoProposal
            | Self::RunPlanner
            | Self::RunAnalyst
            | Self::PushOutbox
            | Self::Generate(_)
            | Self::RecheckGenerated { .. } => true,
            Self::ChatAsk { propose, .. } => *propose,
            Self::LoadDashboard { view, .. } => view.save_snapshot,
            Self::LoadBacklog { .. }
            | Self::LoadWindow { .. }
            | Self::LoadDetail { .. }
            | Self::SaveHistory(_)
            | Self::LoadBoard { .. }
            | Self::LoadDashboardSnapshot { .. }
            | Self::LoadFreshness
            | Self::ChatStop
            | Self::LoadChat(_)
            | Self::WarmChat
            | Self::RenderPrompt { .. }
            | Self::WritePrompt(_)
            | Self::PipePrompt { .. }
            | Self::SavePromptOutput { .. }
            | Self::LoadPromptStats
            | Self::LoadProposals { .. }
            | Self::LoadAudit
            | Self::LoadConversations
            | Self::StopGenerating
            | Self::EditInEditor(_)
            | Self::FindIssue(_)
            | Self::LoadSyncRuns
            | Self::OpenUrl(_)
            | Self::Copy { .. } => false,
        }
    }
}
