//! The whole UI state. `update` changes it; `ui::render` only reads it. Each pane's part is
//! in a file of its own.

mod backlog;
mod board;
mod chat;
mod dashboard;
mod prompt;
mod proposals;
mod sync;

use chrono::{DateTime, Utc};

use super::msg::SourceFreshness;
use crate::config::SavedView;
use crate::config::theme::Theme;
use crate::domain::text::SafeText;
use crate::keymap::{Key, Keymap};

pub use backlog::*;
pub use board::*;
pub use chat::*;
pub use dashboard::*;
pub use prompt::*;
pub use proposals::*;
pub use sync::*;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: SafeText,
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

/// Fixed facts about this session.
#[derive(Debug, Clone)]
pub struct Settings {
    pub workspace: SafeText,
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
    pub prompt_template_errors: Vec<SafeText>,
    /// `[prompts] pipe`, the command `|` sends a prompt to.
    pub prompt_pipe: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateInfo {
    pub name: SafeText,
    pub description: SafeText,
    pub vars: Vec<SafeText>,
}

impl TemplateInfo {
    pub fn of(library: &crate::prompt::Library) -> Vec<Self> {
        library
            .templates
            .iter()
            .map(|t| Self {
                name: t.name.as_str().into(),
                description: t.description.as_str().into(),
                vars: t.vars.iter().map(SafeText::from).collect(),
            })
            .collect()
    }
}

/// A model the chat can ask, as the pane shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LlmChoice {
    /// `[llm.profiles.NAME]`; `None`: the keys directly under `[llm]`.
    pub name: Option<String>,
    /// "openai gpt-4o-mini".
    pub label: SafeText,
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
                    label: label.into(),
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
            workspace: workspace.into(),
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
