//! The approval queue's state: the proposals, their layout, the modes (edit, reject, audit).

use ratatui_textarea::TextArea;

use crate::app::proposals::{ShownChange, ShownProposal};
use crate::domain::text::{Safe, SafeText};

/// The approval queue: pending proposals, the selected one as a diff, the audit log.
#[derive(Debug, Clone, Default)]
pub struct ProposalsPane {
    /// As stored: what is decided and applied.
    pub list: Vec<crate::store::proposals::Proposal>,
    /// The same, as the pane shows them (one per proposal, made when the list arrives).
    pub shown: Vec<ShownProposal>,
    pub selected: usize,
    pub loaded: bool,
    pub error: Option<SafeText>,
    /// Show every proposal, not only pending ones (`s`).
    pub all: bool,
    /// The audit log instead of the queue (`x`).
    pub audit: Option<Vec<Safe<crate::store::proposals::AuditRow>>>,
    /// Asking for a reason before rejecting (`r`).
    pub rejecting: Option<TextArea<'static>>,
    /// Editing the selected proposal's changes before applying (`e`).
    pub editing: Option<ProposalEdit>,
    pub scroll: u16,
    /// Changes the trackers refused, as "KEY operation: reason" (`R` pushes again).
    pub failed_pushes: Vec<SafeText>,
    /// Which of the selected proposal's issue keys tab has reached (Enter opens it).
    pub key_cursor: Option<usize>,
    /// Select this proposal when the list arrives (opened from the chat or the generator).
    pub focus: Option<i64>,
    /// The backlog generator (`g`), kept while hidden so nothing typed is lost.
    pub generator: Option<Box<crate::app::generator::GeneratorPane>>,
    pub generator_shown: bool,
}

/// The selected proposal's changes being edited: which are kept, and the cursor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProposalEdit {
    pub changes: Vec<crate::domain::proposal::Change>,
    /// The changes as the pane shows them, made again after each edit.
    pub shown: Vec<ShownChange>,
    pub keep: Vec<bool>,
    pub cursor: usize,
}
