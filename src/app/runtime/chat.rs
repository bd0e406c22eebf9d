//! Effects of the chat: ground a question in the store and stream the model's answer (a
//! `propose_changes` call kept as a pending proposal), keep turns, reopen conversations.

use super::EffectIo;
use crate::app::msg::{Effect, Msg};
use crate::store::{Store, read};

/// The chat pane's store and model effects.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::ChatAsk {
            turn,
            question,
            history,
            profile,
            propose,
        } => {
            let mut events = Vec::new();
            let ask = ChatQuestion {
                question,
                history,
                profile,
                propose,
            };
            chat_answer(store, io, &ask, |e| events.push(e)).await;
            Msg::ChatEvents { turn, events }
        }
        Effect::SaveChatTurn {
            conversation,
            profile,
            turn,
        } => save_chat_turn(store, io, conversation, profile, turn).await,
        Effect::LoadChat(id) => Msg::ChatLoaded {
            found: crate::store::chat::load(store.pool(), id)
                .await
                .ok()
                .flatten(),
            reopen: id.is_some(),
        },
        Effect::LoadConversations => Msg::Conversations(
            crate::store::chat::list(store.pool(), 200)
                .await
                .map_err(|e| e.to_string()),
        ),
        Effect::FindIssue(key) => Msg::IssueFound {
            issue_id: read::issue_id_by_key(store.pool(), &key)
                .await
                .ok()
                .flatten(),
            key,
        },
        Effect::WarmChat => {
            if let Some(config) = &io.llm {
                io.chat_summary
                    .get(store.pool(), config, io.clock.now())
                    .await;
            }
            return None;
        }
        _ => return None,
    })
}

async fn save_chat_turn(
    store: &Store,
    io: &EffectIo,
    conversation: Option<i64>,
    profile: Option<String>,
    turn: crate::store::chat::SavedTurn,
) -> Msg {
    let now = io.clock.now();
    // The prompt's version as it is now: the one the answer was asked with.
    let hash = io
        .prompts
        .own_prompt("chat/system.md", crate::llm::context::SYSTEM_PROMPT)
        .ok()
        .map(|p| p.hash);
    let saved = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                crate::store::chat::save_turn(
                    c,
                    conversation,
                    profile.as_deref(),
                    &turn,
                    hash.as_deref(),
                    now,
                )
                .await
            })
        })
        .await
        .map_err(|e| e.to_string());
    Msg::ChatSaved(saved)
}

/// A question for the model, with the conversation so far.
pub struct ChatQuestion {
    pub question: String,
    pub history: Vec<(String, String)>,
    pub profile: Option<String>,
    /// Offer the `propose_changes` tool.
    pub propose: bool,
}

/// Grounds the question in the store, asks the model (waiting out rate limits), and hands each
/// event to `emit`.
pub async fn chat_answer(
    store: &Store,
    io: &EffectIo,
    ask: &ChatQuestion,
    mut emit: impl FnMut(crate::llm::LlmEvent),
) {
    use crate::llm::{ChatRequest, LlmError, LlmEvent, Message, Role, context};
    let fail = |message: String| LlmEvent::Error(LlmError::Http { status: 0, message });
    let Some(config) = &io.llm else {
        emit(fail("no [llm] configured".to_owned()));
        return;
    };
    let Some(llm) = &config.llm else {
        return;
    };
    let profile = match llm.profile(ask.profile.as_deref()) {
        Ok(p) => p,
        Err(message) => {
            emit(fail(message));
            return;
        }
    };
    let provider = match crate::llm::key(&profile)
        .await
        .and_then(|key| crate::llm::provider(&profile, key))
    {
        Ok(p) => p,
        Err(message) => {
            emit(fail(message));
            return;
        }
    };
    let summary = io
        .chat_summary
        .get(store.pool(), config, io.clock.now())
        .await;
    let grounding = context::build(
        store.pool(),
        &ask.question,
        None,
        summary.as_deref(),
        6_000,
        llm.send_descriptions,
    )
    .await
    .unwrap_or_default();
    let system = match io
        .prompts
        .own_prompt("chat/system.md", context::SYSTEM_PROMPT)
    {
        Ok(p) => p,
        Err(message) => {
            emit(fail(message));
            return;
        }
    };
    emit(LlmEvent::Context(grounding.text.clone()));
    let mut messages = vec![Message {
        role: Role::System,
        content: format!("{}\n\nContext:\n{}", system.text, grounding.text),
    }];
    for (q, a) in &ask.history {
        messages.push(Message {
            role: Role::User,
            content: q.clone(),
        });
        messages.push(Message {
            role: Role::Assistant,
            content: a.clone(),
        });
    }
    messages.push(Message {
        role: Role::User,
        content: ask.question.clone(),
    });
    let sleeper = io.llm_sleeper();
    let mut request = ChatRequest::new(messages);
    let run = ChatRun {
        model: profile.model.clone(),
        prompt_hash: system.hash,
        propose: ask.propose && llm.propose_changes,
    };
    if run.propose {
        request.tools.push(crate::generator::chat_tool::tool());
    }
    stream_proposing(store, io, provider.as_ref(), &request, &sleeper, &run, emit).await;
}

/// Streams the answer; a `propose_changes` call becomes a proposal (announced as
/// [`LlmEvent::Proposed`]) before the answer is reported done.
async fn stream_proposing(
    store: &Store,
    io: &EffectIo,
    provider: &dyn crate::llm::Provider,
    request: &crate::llm::ChatRequest,
    sleeper: &crate::sync::http::Sleeper,
    run: &ChatRun,
    mut emit: impl FnMut(crate::llm::LlmEvent),
) {
    use crate::llm::LlmEvent;
    let (mut calls, mut done) = (Vec::new(), None);
    crate::llm::stream_with_retry(provider, request, sleeper, |e| match e {
        LlmEvent::ToolCall {
            name, arguments, ..
        } => calls.push((name, arguments)),
        e @ LlmEvent::Done { .. } => done = Some(e),
        e => emit(e),
    })
    .await;
    for (name, arguments) in calls {
        let note = if !run.propose || name != crate::generator::chat_tool::NAME {
            format!("\n\n_(the model asked for a tool `{name}` that is not offered; ignored)_")
        } else {
            match propose_from_chat(store, io, &arguments, run).await {
                Ok(event) => {
                    emit(event);
                    continue;
                }
                Err(e) => format!("\n\n_(the model proposed changes that cannot be kept: {e})_"),
            }
        };
        emit(LlmEvent::Text(note));
    }
    if let Some(done) = done {
        emit(done);
    }
}

/// What a chat proposal records of the run that made it.
struct ChatRun {
    model: Option<String>,
    prompt_hash: String,
    /// The `propose_changes` tool is offered.
    propose: bool,
}

/// A `propose_changes` call kept as a pending chat proposal, its run recorded with it.
async fn propose_from_chat(
    store: &Store,
    io: &EffectIo,
    arguments: &str,
    run: &ChatRun,
) -> Result<crate::llm::LlmEvent, String> {
    let author = format!("chat ({})", io.prompts.author);
    let proposal = crate::generator::chat_tool::proposal(store.pool(), arguments, &author).await?;
    let (title, changes) = (proposal.title.clone(), proposal.changes.len());
    let now = io.clock.now();
    let record = crate::store::runs::NewRun {
        kind: "chat",
        author: io.prompts.author.clone(),
        model: run.model.clone(),
        template_hash: run.prompt_hash.clone(),
        ..crate::store::runs::NewRun::default()
    };
    let id = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                let id = crate::store::proposals::create(c, &proposal, now).await?;
                crate::store::runs::record(c, Some(id), &record, now).await?;
                Ok(id)
            })
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(crate::llm::LlmEvent::Proposed { id, title, changes })
}
