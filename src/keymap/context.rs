//! Where the keyboard is: each pane and each of its modes is a context with a section of its own
//! in the keymap file.

/// A keymap section. The context of the moment is worked out by `app::context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Backlog,
    Detail,
    /// Editing a local field of the issue detail.
    DetailEdit,
    Filter,
    Dashboard,
    Board,
    /// The conversation, where letters are commands.
    Chat,
    /// Writing a question.
    ChatInput,
    /// The stored conversations, to reopen one.
    ChatList,
    Proposals,
    /// Typing the reason for a rejection.
    ProposalReject,
    /// Keeping or dropping a proposal's changes before applying.
    ProposalEdit,
    Audit,
    /// The backlog generator's form.
    Generator,
    GeneratorRunning,
    GeneratorQuestions,
    GeneratorReview,
    /// Typing a new title or a refinement in the generator's review.
    GeneratorInput,
    /// Issue-to-prompt: picking a template.
    Prompt,
    PromptInputs,
    PromptRendering,
    PromptPreview,
    PromptOutput,
    PromptFailed,
    Help,
    SyncRuns,
}

impl Context {
    pub const ALL: [Context; 27] = [
        Context::Global,
        Context::Backlog,
        Context::Detail,
        Context::DetailEdit,
        Context::Filter,
        Context::Dashboard,
        Context::Board,
        Context::Chat,
        Context::ChatInput,
        Context::ChatList,
        Context::Proposals,
        Context::ProposalReject,
        Context::ProposalEdit,
        Context::Audit,
        Context::Generator,
        Context::GeneratorRunning,
        Context::GeneratorQuestions,
        Context::GeneratorReview,
        Context::GeneratorInput,
        Context::Prompt,
        Context::PromptInputs,
        Context::PromptRendering,
        Context::PromptPreview,
        Context::PromptOutput,
        Context::PromptFailed,
        Context::Help,
        Context::SyncRuns,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Backlog => "backlog",
            Self::Detail => "detail",
            Self::DetailEdit => "detail-edit",
            Self::Filter => "filter",
            Self::Dashboard => "dashboard",
            Self::Board => "board",
            Self::Chat => "chat",
            Self::ChatInput => "chat-input",
            Self::ChatList => "chat-list",
            Self::Proposals => "proposals",
            Self::ProposalReject => "proposal-reject",
            Self::ProposalEdit => "proposal-edit",
            Self::Audit => "audit",
            Self::Generator => "generator",
            Self::GeneratorRunning => "generator-running",
            Self::GeneratorQuestions => "generator-questions",
            Self::GeneratorReview => "generator-review",
            Self::GeneratorInput => "generator-input",
            Self::Prompt => "prompt",
            Self::PromptInputs => "prompt-inputs",
            Self::PromptRendering => "prompt-rendering",
            Self::PromptPreview => "prompt-preview",
            Self::PromptOutput => "prompt-output",
            Self::PromptFailed => "prompt-failed",
            Self::Help => "help",
            Self::SyncRuns => "sync-runs",
        }
    }

    /// What the help calls it.
    pub fn title(self) -> &'static str {
        match self {
            Self::DetailEdit => "detail: editing a local field",
            Self::ChatInput => "chat: writing a question",
            Self::ChatList => "chat: older conversations",
            Self::ProposalReject => "proposals: the reason for a rejection",
            Self::ProposalEdit => "proposals: editing the changes",
            Self::Audit => "proposals: the audit log",
            Self::Generator => "generator: the form",
            Self::GeneratorRunning => "generator: while it writes",
            Self::GeneratorQuestions => "generator: its questions",
            Self::GeneratorReview => "generator: the review",
            Self::GeneratorInput => "generator: a title or a refinement",
            Self::Prompt => "prompt: the templates",
            Self::PromptInputs => "prompt: the template's inputs",
            Self::PromptRendering => "prompt: rendering",
            Self::PromptPreview => "prompt: the preview",
            Self::PromptOutput => "prompt: pasting the agent's answer",
            Self::PromptFailed => "prompt: it failed",
            Self::SyncRuns => "recent sync runs",
            other => other.name(),
        }
    }

    /// Keys not bound here fall back to [global] (`q`, `?`, tab). Text inputs and overlays that
    /// hold the keyboard do not: there every unbound key is typed text, or nothing.
    pub fn inherits_global(self) -> bool {
        matches!(
            self,
            Self::Backlog
                | Self::Detail
                | Self::Dashboard
                | Self::Board
                | Self::Chat
                | Self::Proposals
                | Self::Audit
                | Self::GeneratorReview
        )
    }

    /// A text input has the keyboard: an unbound key is typed into it.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::Filter
                | Self::DetailEdit
                | Self::ChatInput
                | Self::ProposalReject
                | Self::Generator
                | Self::GeneratorQuestions
                | Self::GeneratorInput
                | Self::PromptInputs
                | Self::PromptOutput
        )
    }

    /// The contexts the help lists together: the pane's own first, then its other modes.
    pub fn family(self) -> Vec<Context> {
        const DETAIL: &[Context] = &[Context::Detail, Context::DetailEdit];
        const CHAT: &[Context] = &[Context::Chat, Context::ChatInput, Context::ChatList];
        const PROPOSALS: &[Context] = &[
            Context::Proposals,
            Context::ProposalEdit,
            Context::ProposalReject,
            Context::Audit,
            Context::Generator,
            Context::GeneratorRunning,
            Context::GeneratorQuestions,
            Context::GeneratorReview,
            Context::GeneratorInput,
        ];
        const GENERATOR: &[Context] = &[
            Context::Generator,
            Context::GeneratorRunning,
            Context::GeneratorQuestions,
            Context::GeneratorReview,
            Context::GeneratorInput,
        ];
        const PROMPT: &[Context] = &[
            Context::Prompt,
            Context::PromptInputs,
            Context::PromptRendering,
            Context::PromptPreview,
            Context::PromptOutput,
            Context::PromptFailed,
        ];
        let family = match self {
            Self::Detail | Self::DetailEdit => DETAIL,
            Self::Chat | Self::ChatInput | Self::ChatList => CHAT,
            Self::Proposals | Self::ProposalEdit | Self::ProposalReject | Self::Audit => PROPOSALS,
            Self::Generator
            | Self::GeneratorRunning
            | Self::GeneratorQuestions
            | Self::GeneratorReview
            | Self::GeneratorInput => GENERATOR,
            Self::Prompt
            | Self::PromptInputs
            | Self::PromptRendering
            | Self::PromptPreview
            | Self::PromptOutput
            | Self::PromptFailed => PROMPT,
            _ => return vec![self],
        };
        let mut family = family.to_vec();
        // The mode the keyboard is in comes first.
        if let Some(at) = family.iter().position(|c| *c == self) {
            family[..=at].rotate_right(1);
        }
        family
    }

    pub(super) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}
