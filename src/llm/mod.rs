//! Language-model providers behind one interface: a chat request in, a stream of [`LlmEvent`]s
//! out (text, reasoning, usage, the end, or an error). OpenAI-compatible Chat Completions and
//! Anthropic Messages stream server-sent events (decoded by eventsource-stream); Ollama's native
//! API streams NDJSON. Dropping the stream aborts the request.

pub mod anthropic;
pub mod context;
pub mod ollama;
pub mod openai;

use std::time::Duration;

use futures_util::stream::BoxStream;

use crate::config::secrets::Secret;
use crate::config::{LlmProfile, LlmProvider};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// A function the model may call instead of (or after) answering in text. Its call comes back as
/// [`LlmEvent::ToolCall`]; nothing runs on the model's say-so.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments.
    pub parameters: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    /// Ask for a JSON answer matching this schema (name, schema) where the provider enforces one
    /// (`OpenAI` `response_format`, Ollama `format`); elsewhere the prompt has to ask for it.
    pub json_schema: Option<(String, serde_json::Value)>,
}

impl ChatRequest {
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            messages,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LlmEvent {
    Text(String),
    /// A model's visible reasoning (`reasoning_content`, Anthropic thinking, Ollama thinking).
    Reasoning(String),
    Usage {
        input: u64,
        output: u64,
    },
    /// The model called a tool; `arguments` is its JSON text, whole.
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
    /// The answer is complete; `stop_reason` says when it was cut (`length`, `max_tokens`).
    Done {
        stop_reason: Option<String>,
    },
    /// The context sent with the question (emitted by the app before the provider's events, so
    /// the user can see what left the machine).
    Context(String),
    /// A `propose_changes` call became pending proposal `id` (emitted by the app, which turns
    /// tool calls into proposals; the model applies nothing).
    Proposed {
        id: i64,
        title: String,
        changes: usize,
    },
    /// The provider asked us to wait (429/529); the request is sent again after `seconds`.
    Waiting {
        seconds: u64,
        attempt: u32,
    },
    /// The stream ended with an error; text received before it stays valid.
    Error(LlmError),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// 401/403: retrying cannot help.
    #[error("the provider refused the key (HTTP {status}): {message}")]
    Auth { status: u16, message: String },
    /// 429, or 529 (overloaded): try again after the wait.
    #[error("rate limited or overloaded (HTTP {status}); retry in {}s: {message}", retry_after.as_secs())]
    RateLimited {
        status: u16,
        retry_after: Duration,
        message: String,
    },
    #[error("the provider answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// An error event inside a stream that had started with HTTP 200.
    #[error("the provider stopped with an error: {0}")]
    Stream(String),
    /// The connection ended before the answer did.
    #[error("the connection was cut before the answer was complete")]
    Cut,
    #[error("cannot reach the provider: {0}")]
    Network(String),
    #[error("the provider sent something unreadable: {0}")]
    Decode(String),
}

/// What a provider needs from the config.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub model: String,
    pub key: Option<Secret>,
    pub api_version: Option<String>,
    pub headers: Vec<(String, String)>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub timeout: Duration,
}

pub trait Provider: Send + Sync {
    fn stream(&self, request: ChatRequest) -> BoxStream<'static, LlmEvent>;
}

/// The provider a profile names, with its key resolved by the caller.
pub fn provider(profile: &LlmProfile, key: Option<Secret>) -> Result<Box<dyn Provider>, String> {
    let default_url = match profile.provider {
        LlmProvider::Openai => "https://api.openai.com/v1",
        LlmProvider::Anthropic => "https://api.anthropic.com",
        LlmProvider::Ollama => "http://127.0.0.1:11434",
    };
    let model = profile
        .model
        .clone()
        .ok_or("set `model` in [llm] (e.g. model = \"gpt-4o-mini\")")?;
    let endpoint = Endpoint {
        base_url: profile
            .base_url
            .clone()
            .unwrap_or_else(|| default_url.to_owned())
            .trim_end_matches('/')
            .to_owned(),
        model,
        key,
        api_version: profile.api_version.clone(),
        headers: profile
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        temperature: profile.temperature,
        max_tokens: profile.max_tokens,
        timeout: Duration::from_secs(u64::from(profile.timeout_secs.unwrap_or(60))),
    };
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(endpoint.timeout)
        .user_agent(concat!("sprintdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    Ok(match profile.provider {
        LlmProvider::Openai => Box::new(openai::OpenAi { endpoint, client }),
        LlmProvider::Anthropic => Box::new(anthropic::Anthropic { endpoint, client }),
        LlmProvider::Ollama => Box::new(ollama::Ollama { endpoint, client }),
    })
}

/// What `input` and `output` tokens cost at these prices per 1,000, when both are known.
pub fn cost(
    (input, output): (u64, u64),
    (per_in, per_out): (Option<f64>, Option<f64>),
) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    let (i, o) = (input as f64, output as f64);
    Some(i / 1000.0 * per_in? + o / 1000.0 * per_out?)
}

/// The profile's key, when it names one (a local Ollama needs none).
pub async fn key(profile: &LlmProfile) -> Result<Option<Secret>, String> {
    let secret = profile.secret();
    if !secret.is_configured() {
        return Ok(None);
    }
    crate::config::secrets::resolve(secret)
        .await
        .map(Some)
        .map_err(|e| format!("key: {e}"))
}

/// A one-line request to see that the provider answers: the time to its first token.
pub async fn check(provider: &dyn Provider) -> Result<Duration, LlmError> {
    use futures_util::StreamExt;
    let started = std::time::Instant::now();
    let mut stream = provider.stream(ChatRequest::new(vec![Message {
        role: Role::User,
        content: "Reply with the single word OK.".to_owned(),
    }]));
    while let Some(event) = stream.next().await {
        match event {
            LlmEvent::Text(_) | LlmEvent::Reasoning(_) | LlmEvent::Done { .. } => {
                return Ok(started.elapsed());
            }
            LlmEvent::Error(e) => return Err(e),
            LlmEvent::Usage { .. }
            | LlmEvent::Context(_)
            | LlmEvent::Waiting { .. }
            | LlmEvent::ToolCall { .. }
            | LlmEvent::Proposed { .. } => {}
        }
    }
    Err(LlmError::Cut)
}

/// How often a rate-limited request is sent again, and the longest wait honoured.
pub const RATE_LIMIT_RETRIES: u32 = 3;
pub const LONGEST_WAIT: Duration = Duration::from_mins(2);

/// Streams the answer to `request` into `emit`. A 429/529 before anything arrived is waited
/// out (its `Retry-After`, announced as [`LlmEvent::Waiting`]) and the request sent again, up to
/// [`RATE_LIMIT_RETRIES`] times; any other error, or one after text arrived, ends the stream.
pub async fn stream_with_retry(
    provider: &dyn Provider,
    request: &ChatRequest,
    sleeper: &crate::sync::http::Sleeper,
    mut emit: impl FnMut(LlmEvent),
) {
    use futures_util::StreamExt;
    let mut attempt = 0;
    loop {
        let mut stream = provider.stream(request.clone());
        let mut started = false;
        let mut wait = None;
        while let Some(event) = stream.next().await {
            match event {
                LlmEvent::Error(LlmError::RateLimited { retry_after, .. })
                    if !started && attempt < RATE_LIMIT_RETRIES && retry_after <= LONGEST_WAIT =>
                {
                    wait = Some(retry_after);
                }
                event => {
                    started |= matches!(
                        event,
                        LlmEvent::Text(_) | LlmEvent::Reasoning(_) | LlmEvent::ToolCall { .. }
                    );
                    emit(event);
                }
            }
        }
        let Some(wait) = wait else {
            return;
        };
        attempt += 1;
        emit(LlmEvent::Waiting {
            seconds: wait.as_secs(),
            attempt,
        });
        sleeper(wait).await;
    }
}

/// Sends the request; a failure to connect or an error status is one error event, a success is
/// decoded by `decode`. Dropping the stream aborts the request.
pub(crate) fn send(
    request: reqwest::RequestBuilder,
    decode: fn(reqwest::Response) -> BoxStream<'static, LlmEvent>,
) -> BoxStream<'static, LlmEvent> {
    use futures_util::StreamExt;
    use futures_util::stream;
    stream::once(async move { request.send().await })
        .flat_map(move |sent| -> BoxStream<'static, LlmEvent> {
            match sent {
                Err(e) => stream::iter([LlmEvent::Error(network(&e))]).boxed(),
                Ok(response) if !response.status().is_success() => {
                    stream::once(async move { LlmEvent::Error(error_from(response).await) }).boxed()
                }
                Ok(response) => decode(response),
            }
        })
        .boxed()
}

/// The profile's extra headers (company gateways authenticate by header or cookie).
pub(crate) fn with_headers(
    mut request: reqwest::RequestBuilder,
    headers: &[(String, String)],
) -> reqwest::RequestBuilder {
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    request
}

/// The conversation as `role`/`content` objects (`OpenAI` and Ollama take it as is).
pub(crate) fn messages_json(messages: &[Message]) -> Vec<serde_json::Value> {
    messages
        .iter()
        .map(|m| serde_json::json!({"role": m.role.as_str(), "content": m.content}))
        .collect()
}

/// Tools as `OpenAI` and Ollama take them.
pub(crate) fn functions_json(tools: &[Tool]) -> Vec<serde_json::Value> {
    tools
        .iter()
        .map(|t| {
            serde_json::json!({"type": "function", "function": {
                "name": t.name, "description": t.description, "parameters": t.parameters,
            }})
        })
        .collect()
}

/// What a stream decoder carries between chunks: tool calls whose arguments arrive in pieces
/// (`OpenAI` by index, Anthropic by content block), gathered until complete; the blocks of a
/// forced JSON answer; and why the model stopped.
#[derive(Debug, Default)]
pub(crate) struct StreamState {
    calls: std::collections::BTreeMap<u64, (String, String, String)>,
    /// Blocks of the forced JSON-answer tool: their input is the answer, streamed as text.
    answers: Vec<u64>,
    /// Why the model stopped, as a chunk before the end said (`length`, `max_tokens`, …).
    pub stop_reason: Option<String>,
}

/// The tool an Anthropic model is made to call when a JSON answer is asked for: its input is
/// the answer (the Messages API has no response format, but enforces a tool's input schema).
pub const JSON_ANSWER_TOOL: &str = "json_answer";

impl StreamState {
    pub fn answer_block(&mut self, index: u64) {
        self.answers.push(index);
    }

    pub fn is_answer(&self, index: u64) -> bool {
        self.answers.contains(&index)
    }

    pub fn start(&mut self, index: u64, id: &str, name: &str) {
        let call = self.calls.entry(index).or_default();
        if !id.is_empty() {
            id.clone_into(&mut call.0);
        }
        if !name.is_empty() {
            name.clone_into(&mut call.1);
        }
    }

    pub fn push(&mut self, index: u64, arguments: &str) {
        self.calls.entry(index).or_default().2.push_str(arguments);
    }

    pub fn is_open(&self, index: u64) -> bool {
        self.calls.contains_key(&index)
    }

    /// The call at `index` as an event (`{}` for a call without arguments).
    pub fn finish(&mut self, index: u64) -> Option<LlmEvent> {
        let (id, name, arguments) = self.calls.remove(&index)?;
        Some(LlmEvent::ToolCall {
            id,
            name,
            arguments: if arguments.trim().is_empty() {
                "{}".to_owned()
            } else {
                arguments
            },
        })
    }

    /// Every open call, in index order.
    pub fn finish_all(&mut self) -> Vec<LlmEvent> {
        let indexes: Vec<u64> = self.calls.keys().copied().collect();
        indexes.into_iter().filter_map(|i| self.finish(i)).collect()
    }
}

/// An error answer (before any stream): the provider's own message, classified.
pub(crate) async fn error_from(response: reqwest::Response) -> LlmError {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
        })
        .unwrap_or_else(|| body.chars().take(200).collect());
    let message = crate::domain::text::sanitize(&message, false);
    match status {
        401 | 403 => LlmError::Auth { status, message },
        429 | 529 | 503 => LlmError::RateLimited {
            status,
            retry_after: retry_after.unwrap_or(Duration::from_secs(5)),
            message,
        },
        _ => LlmError::Http { status, message },
    }
}

pub(crate) fn network(e: &reqwest::Error) -> LlmError {
    if e.is_timeout() {
        LlmError::Network("timed out".to_owned())
    } else if e.is_connect() {
        LlmError::Network("connection refused or unreachable".to_owned())
    } else {
        LlmError::Network(e.to_string())
    }
}
