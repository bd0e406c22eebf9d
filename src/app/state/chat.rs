//! The chat pane's state: the conversation, the input, and where the current answer is.

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;

use crate::domain::text::{Safe, SafeText};

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
    pub items: Vec<Safe<crate::store::chat::Conversation>>,
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
    /// As asked: the model and the store get it as typed.
    pub question: String,
    /// The question as the pane shows it (one line).
    pub shown_question: SafeText,
    pub answer: String,
    pub reasoning: String,
    /// The reasoning as the pane shows it, kept up to date with the answer's lines.
    pub shown_reasoning: SafeText,
    pub status: TurnStatus,
    pub usage: Option<(u64, u64)>,
    /// What was sent with the question (the grounding), when known.
    pub context: Option<SafeText>,
    /// Its tokens, counted when it arrived.
    pub context_tokens: usize,
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
    Failed(SafeText),
}
