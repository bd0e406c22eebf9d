//! What an action does in a context, for the help: the action's own description unless the
//! context says it in its own words (`enter` opens a citation in the chat, applies in the
//! proposal editor).

use super::{Action, Context};

const OWN_WORDS: &[(Context, Action, &str)] = &[
    (Context::DetailEdit, Action::Save, "save the field"),
    (Context::DetailEdit, Action::Cancel, "leave it as it was"),
    (
        Context::Chat,
        Action::Open,
        "open the cited issue selected; else write again",
    ),
    (
        Context::Chat,
        Action::Back,
        "unselect the citation; else stop the answer",
    ),
    (Context::Chat, Action::Write, "write again"),
    (
        Context::Chat,
        Action::NextIssue,
        "walk the cited issues (then the next tab)",
    ),
    (Context::Chat, Action::New, "new conversation"),
    (Context::Chat, Action::Up, "scroll up"),
    (Context::Chat, Action::Down, "scroll down"),
    (Context::Chat, Action::PageUp, "scroll a page up"),
    (Context::Chat, Action::PageDown, "scroll a page down"),
    (Context::Chat, Action::Follow, "follow the stream"),
    (
        Context::ChatInput,
        Action::Back,
        "stop the answer; leave the input for the conversation",
    ),
    (Context::ChatInput, Action::HistoryPrev, "earlier questions"),
    (Context::ChatInput, Action::HistoryNext, "later questions"),
    (Context::ChatInput, Action::PageUp, "scroll a page up"),
    (Context::ChatInput, Action::PageDown, "scroll a page down"),
    (Context::ChatInput, Action::Follow, "follow the stream"),
    (Context::ChatList, Action::Open, "reopen the conversation"),
    (
        Context::Proposals,
        Action::Up,
        "select the previous proposal",
    ),
    (Context::Proposals, Action::Down, "select the next proposal"),
    (
        Context::Proposals,
        Action::Edit,
        "edit its changes before applying",
    ),
    (
        Context::Proposals,
        Action::NextIssue,
        "walk the issues it names (then the next tab)",
    ),
    (Context::Proposals, Action::Open, "open the issue reached"),
    (Context::Proposals, Action::PageUp, "scroll the diff up"),
    (Context::Proposals, Action::PageDown, "scroll the diff down"),
    (
        Context::ProposalEdit,
        Action::ApplyProposal,
        "apply the kept changes",
    ),
    (Context::ProposalEdit, Action::Cancel, "leave it unapplied"),
    (Context::ProposalEdit, Action::Up, "the previous change"),
    (Context::ProposalEdit, Action::Down, "the next change"),
    (Context::ProposalReject, Action::Reject, "reject it"),
    (Context::ProposalReject, Action::Cancel, "keep the proposal"),
    (Context::Audit, Action::Up, "scroll up"),
    (Context::Audit, Action::Down, "scroll down"),
    (
        Context::Generator,
        Action::Confirm,
        "next field (a new line in the idea; generates on the last)",
    ),
    (
        Context::Generator,
        Action::Down,
        "next field (in the idea: the next line)",
    ),
    (
        Context::Generator,
        Action::Up,
        "previous field (in the idea: the line above)",
    ),
    (
        Context::Generator,
        Action::Left,
        "format and depth: previous",
    ),
    (Context::Generator, Action::Right, "format and depth: next"),
    (
        Context::Generator,
        Action::Back,
        "hide the generator (nothing is lost)",
    ),
    (Context::GeneratorRunning, Action::Stop, "stop the run"),
    (
        Context::GeneratorQuestions,
        Action::Confirm,
        "next answer; on the last, send the answers",
    ),
    (
        Context::GeneratorQuestions,
        Action::Generate,
        "send the answers",
    ),
    (
        Context::GeneratorQuestions,
        Action::NextField,
        "next answer",
    ),
    (
        Context::GeneratorQuestions,
        Action::PrevField,
        "previous answer",
    ),
    (
        Context::GeneratorQuestions,
        Action::Back,
        "back to the form",
    ),
    (Context::GeneratorReview, Action::Edit, "edit the title"),
    (Context::GeneratorReview, Action::Up, "the previous item"),
    (Context::GeneratorReview, Action::Down, "the next item"),
    (
        Context::GeneratorReview,
        Action::MorePoints,
        "one point more (rules checked again)",
    ),
    (
        Context::GeneratorReview,
        Action::FewerPoints,
        "one point fewer (rules checked again)",
    ),
    (
        Context::GeneratorReview,
        Action::OpenProposal,
        "open the proposal to apply",
    ),
    (Context::GeneratorReview, Action::New, "a new form"),
    (Context::GeneratorReview, Action::Back, "hide the generator"),
    (Context::GeneratorInput, Action::Save, "save it"),
    (Context::GeneratorInput, Action::Cancel, "drop it"),
    (Context::Prompt, Action::Open, "use the template"),
    (Context::Prompt, Action::Close, "close the prompt"),
    (Context::PromptInputs, Action::NextField, "next input"),
    (Context::PromptInputs, Action::PrevField, "previous input"),
    (
        Context::PromptInputs,
        Action::Confirm,
        "next input; on the last, render",
    ),
    (Context::PromptInputs, Action::Back, "back to the templates"),
    (Context::PromptRendering, Action::Close, "close the prompt"),
    (Context::PromptPreview, Action::Close, "close the prompt"),
    (Context::PromptPreview, Action::Up, "scroll up"),
    (Context::PromptPreview, Action::Down, "scroll down"),
    (Context::PromptOutput, Action::Back, "back to the preview"),
    (Context::PromptFailed, Action::Close, "close the prompt"),
    (Context::Help, Action::Close, "close this help"),
    (Context::Help, Action::Up, "scroll up"),
    (Context::Help, Action::Down, "scroll down"),
    (Context::SyncRuns, Action::Close, "close the sync runs"),
    (Context::SyncRuns, Action::Up, "scroll up"),
    (Context::SyncRuns, Action::Down, "scroll down"),
];

/// What `action` does in `context`.
pub fn describe(context: Context, action: Action) -> String {
    OWN_WORDS
        .iter()
        .find(|(c, a, _)| *c == context && *a == action)
        .map_or_else(|| action.description(), |(_, _, text)| (*text).to_owned())
}
