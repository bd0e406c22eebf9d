//! One-shot effects: which feature's handler answers each, with what it needs besides the store.

use std::path::PathBuf;
use std::sync::Arc;

use crate::app::msg::{Effect, Msg};
use crate::clock::Clock;
use crate::store::Store;

/// What store effects need besides the store.
#[derive(Clone)]
pub struct EffectIo {
    pub clock: Clock,
    pub history_path: PathBuf,
    pub sources: Vec<String>,
    /// What the background sync needs; `None` without sources (or read-only).
    pub sync: Option<Arc<crate::config::Config>>,
    /// What the chat needs (`[llm]`, metrics, people); `None` without `[llm]`.
    pub llm: Option<Arc<crate::config::Config>>,
    /// How the chat waits out a rate limit; `None`: it sleeps (tests pass one that returns).
    pub llm_sleeper: Option<crate::sync::http::Sleeper>,
    /// The chat's sprint summary, computed once per change of the data.
    pub chat_summary: crate::llm::context::SummaryCache,
    /// Issue-to-prompt: templates, tokenizer, author.
    pub prompts: Arc<crate::prompt::Setup>,
    /// The whole config: `[proposals]` (expiry, write-back) and `[people]` for the planner.
    pub config: Arc<crate::config::Config>,
}

impl EffectIo {
    /// How a model request waits out a rate limit: the test's sleeper, else a real sleep.
    pub fn llm_sleeper(&self) -> crate::sync::http::Sleeper {
        self.llm_sleeper
            .clone()
            .unwrap_or_else(crate::sync::http::tokio_sleeper)
    }
}

/// Runs one store, file or model effect to its end and returns the message it answers with
/// (the [`super::Executor`] runs it in a task; a stream's pieces come whole here). Desktop
/// effects answer nothing here.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    match effect {
        backlog @ (Effect::LoadBacklog { .. }
        | Effect::LoadWindow { .. }
        | Effect::LoadDetail { .. }
        | Effect::SaveOverride { .. }
        | Effect::SaveHistory(_)
        | Effect::LoadFreshness) => super::issues::perform(store, io, backlog).await,
        board @ (Effect::LoadBoard { .. } | Effect::MoveCard(_)) => {
            super::board::perform(store, io, board).await
        }
        dashboard @ (Effect::LoadDashboard { .. } | Effect::LoadDashboardSnapshot { .. }) => {
            super::dashboard::perform(store, io, dashboard).await
        }
        sync @ (Effect::StartSync | Effect::LoadSyncRuns) => {
            super::sync::perform(store, io, sync).await
        }
        chat @ (Effect::ChatAsk { .. }
        | Effect::SaveChatTurn { .. }
        | Effect::LoadChat(_)
        | Effect::LoadConversations
        | Effect::FindIssue(_)
        | Effect::WarmChat) => super::chat::perform(store, io, chat).await,
        prompt @ (Effect::RenderPrompt { .. }
        | Effect::WritePrompt(_)
        | Effect::PipePrompt { .. }
        | Effect::SavePromptOutput { .. }
        | Effect::LoadPromptStats) => super::prompt::perform(store, io, prompt).await,
        decision @ (Effect::LoadProposals { .. }
        | Effect::LoadAudit
        | Effect::ApplyProposal { .. }
        | Effect::RejectProposal { .. }
        | Effect::UndoProposal
        | Effect::RunPlanner
        | Effect::RunAnalyst
        | Effect::PushOutbox) => super::proposals::perform(store, io, decision).await,
        generator @ (Effect::Generate(_) | Effect::RecheckGenerated { .. }) => {
            super::generator::perform(store, io, generator).await
        }
        Effect::OpenUrl(_)
        | Effect::Copy { .. }
        | Effect::ChatStop
        | Effect::StopGenerating
        | Effect::EditInEditor(_) => None,
    }
}
