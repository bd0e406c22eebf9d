//! `sprintdeck ask`: one grounded question, the answer streamed to stdout, usage and cost on
//! stderr. Rate limits are waited out (up to three times); a refused key stops at once.

use std::io::Write;

use super::commands::Context;
use super::output;
use crate::Error;
use crate::config::{LlmConfig, LlmProfile};
use crate::llm::{self, ChatRequest, LlmError, LlmEvent, Message, Role, context};

/// Tokens of context sent with a question.
const BUDGET: usize = 6_000;

pub const NOT_CONFIGURED: &str = "no AI provider configured: add an [llm] section, for example\n\n\
    [llm]                       # OpenAI or any OpenAI-compatible server\n\
    provider = \"openai\"\n\
    model = \"gpt-4o-mini\"\n\
    api_key_env = \"OPENAI_API_KEY\"\n\n\
    [llm]                       # Anthropic\n\
    provider = \"anthropic\"\n\
    model = \"claude-sonnet-4-5\"\n\
    api_key_env = \"ANTHROPIC_API_KEY\"\n\n\
    [llm]                       # a local Ollama, nothing leaves the machine\n\
    provider = \"ollama\"\n\
    model = \"llama3.2\"\n";

pub(super) fn profile(config: &LlmConfig, name: Option<&str>) -> Result<LlmProfile, Error> {
    config.profile(name).map_err(Error::Usage)
}

pub async fn run(
    ctx: &Context,
    question: &str,
    profile_name: Option<&str>,
    show_context: bool,
) -> Result<(), Error> {
    let Some(config) = &ctx.config.llm else {
        return Err(Error::Usage(NOT_CONFIGURED.to_owned()));
    };
    let profile = profile(config, profile_name)?;
    let key = llm::key(&profile)
        .await
        .map_err(|e| Error::Usage(format!("[llm] {e}")))?;
    let provider = llm::provider(&profile, key).map_err(Error::Usage)?;
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    let summary = context::store_summary(ws.store.pool(), &ctx.config, ctx.clock.now()).await;
    let grounding = context::build(
        ws.store.pool(),
        question,
        None,
        summary.as_deref(),
        BUDGET,
        config.send_descriptions,
    )
    .await?;
    ws.store.close().await?;
    if show_context {
        output::note(&format!(
            "--- context sent ({} tokens) ---\n{}---",
            context::tokens(&grounding.text),
            grounding.text
        ));
    }
    let request = ChatRequest::new(vec![
        Message {
            role: Role::System,
            content: format!("{}\n\nContext:\n{}", context::SYSTEM_PROMPT, grounding.text),
        },
        Message {
            role: Role::User,
            content: question.to_owned(),
        },
    ]);
    let mut attempts = 0;
    loop {
        match answer(provider.as_ref(), request.clone()).await {
            Ok(usage) => {
                report_usage(&profile, usage);
                return Ok(());
            }
            Err(LlmError::RateLimited { retry_after, .. }) if attempts < 3 => {
                attempts += 1;
                output::note(&format!(
                    "rate limited; trying again in {} s",
                    retry_after.as_secs()
                ));
                tokio::time::sleep(retry_after).await;
            }
            Err(e) => return Err(Error::Llm(e.to_string())),
        }
    }
}

/// `doctor`: the default profile answers a one-line request; the time to its first token.
pub async fn check(config: &LlmConfig) -> Result<std::time::Duration, String> {
    let profile = config.default_profile();
    let provider = llm::provider(&profile, llm::key(&profile).await?)?;
    llm::check(provider.as_ref())
        .await
        .map_err(|e| e.to_string())
}

/// Streams one answer to stdout (rate limits waited out, said on stderr); the usage, or why
/// it stopped.
async fn answer(
    provider: &dyn llm::Provider,
    request: ChatRequest,
) -> Result<(u64, u64), LlmError> {
    let mut usage = (0, 0);
    let mut stdout = std::io::stdout();
    let mut wrote = false;
    let mut end = Err(LlmError::Cut);
    let sleeper = crate::sync::http::tokio_sleeper();
    llm::stream_with_retry(provider, &request, &sleeper, |event| match event {
        LlmEvent::Text(t) => {
            // The model's text is shown, not obeyed: control sequences are dropped.
            let clean = crate::domain::text::sanitize(&t, true);
            let _ = stdout.write_all(clean.as_bytes());
            let _ = stdout.flush();
            wrote = true;
        }
        LlmEvent::Reasoning(_)
        | LlmEvent::Context(_)
        | LlmEvent::ToolCall { .. }
        | LlmEvent::Proposed { .. } => {}
        LlmEvent::Waiting { seconds, attempt } => output::note(&format!(
            "rate limited; asking again in {seconds}s (attempt {attempt})"
        )),
        LlmEvent::Usage { input, output } => usage = (input, output),
        LlmEvent::Done { .. } => end = Ok(()),
        LlmEvent::Error(e) => end = Err(e),
    })
    .await;
    if wrote {
        let _ = stdout.write_all(b"\n");
        if end.is_err() {
            output::note("(the answer above is incomplete)");
        }
    }
    end.map(|()| usage)
}

fn report_usage(profile: &LlmProfile, (input, output_tokens): (u64, u64)) {
    #[allow(clippy::cast_precision_loss)]
    let cost = match (profile.price_input_per_1k, profile.price_output_per_1k) {
        (Some(i), Some(o)) => format!(
            ", about ${:.4}",
            i * input as f64 / 1000.0 + o * output_tokens as f64 / 1000.0
        ),
        _ => String::new(),
    };
    output::note(&format!("{input} tokens in, {output_tokens} out{cost}"));
}
