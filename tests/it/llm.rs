//! Providers against a mock on 127.0.0.1 (axum, streaming the recorded fixtures in small pieces
//! with pauses): the text and usage reassemble exactly; errors after HTTP 200, a cut connection,
//! 429 and 401 come out as the right events; grounding picks the named issue within budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use futures_util::StreamExt;
use serde_json::Value;
use sprintdeck::config::{LlmProfile, LlmProvider};
use sprintdeck::llm::{self, ChatRequest, LlmError, LlmEvent, Message, Role, context};

use crate::common::{demo_store, fixture};

fn read(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).expect("fixture")
}

/// One answer of the mock: status, headers, body, sent `piece` bytes at a time with `pause`
/// between pieces; `cut` stops halfway.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: String,
    pub cut: bool,
    pub pause: Duration,
}

impl Reply {
    pub fn new(status: u16, headers: &[(&'static str, &'static str)], body: String) -> Self {
        Self {
            status,
            headers: headers.to_vec(),
            body,
            cut: false,
            pause: Duration::from_millis(1),
        }
    }
}

/// What the mock saw: requests, bodies sent to the end, and bodies the client walked away
/// from (a stopped answer closes its connection).
#[derive(Default)]
pub struct Seen {
    pub requests: AtomicUsize,
    /// Each request's JSON body, in order.
    pub bodies: std::sync::Mutex<Vec<Value>>,
    pub finished: AtomicUsize,
    pub abandoned: AtomicUsize,
}

/// Counts a body as abandoned if it is dropped before its last piece went out.
struct BodyGuard {
    seen: Arc<Seen>,
    done: bool,
}

impl Drop for BodyGuard {
    fn drop(&mut self) {
        let counter = if self.done {
            &self.seen.finished
        } else {
            &self.seen.abandoned
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

/// Serves the `n`-th POST with `replies[n]` (the last one again after that).
pub async fn serve(replies: Vec<Reply>) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let counter = Arc::clone(&seen);
    let app = Router::new().fallback(post(move |body: Bytes| {
        let n = counter.requests.fetch_add(1, Ordering::SeqCst);
        if let Ok(v) = serde_json::from_slice(&body) {
            counter.bodies.lock().expect("bodies").push(v);
        }
        let reply = replies[n.min(replies.len() - 1)].clone();
        let seen = Arc::clone(&counter);
        async move {
            let bytes = reply.body.into_bytes();
            let end = if reply.cut {
                bytes.len() / 2
            } else {
                bytes.len()
            };
            let pieces: Vec<Bytes> = bytes[..end]
                .chunks(97)
                .map(Bytes::copy_from_slice)
                .collect();
            let guard = BodyGuard { seen, done: false };
            let pause = reply.pause;
            let stream = futures_util::stream::unfold(
                (pieces.into_iter(), guard),
                move |(mut pieces, mut guard)| async move {
                    if let Some(p) = pieces.next() {
                        tokio::time::sleep(pause).await;
                        Some((Ok::<_, std::io::Error>(p), (pieces, guard)))
                    } else {
                        guard.done = true;
                        drop(guard);
                        None
                    }
                },
            );
            let mut r =
                Response::builder().status(StatusCode::from_u16(reply.status).expect("status"));
            for (k, v) in reply.headers {
                r = r.header(k, v);
            }
            r.body(Body::from_stream(stream)).expect("response")
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

/// Serves `body` on every POST; `cut` stops halfway.
pub async fn mock(
    status: u16,
    headers: &[(&'static str, &'static str)],
    body: String,
    cut: bool,
) -> String {
    let mut reply = Reply::new(status, headers, body);
    reply.cut = cut;
    serve(vec![reply]).await.0
}

fn profile(provider: LlmProvider, url: &str) -> LlmProfile {
    let mut p: LlmProfile = toml::from_str("model = \"m\"").expect("profile");
    p.provider = provider;
    p.base_url = Some(url.to_owned());
    p
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message {
            role: Role::User,
            content: "hello".into(),
        }],
        ..ChatRequest::default()
    }
}

/// Text, reasoning, usage and the last event of a whole stream.
async fn collect(
    provider: LlmProvider,
    url: &str,
) -> (String, String, Option<(u64, u64)>, LlmEvent) {
    let p = llm::provider(&profile(provider, url), None).expect("provider");
    let mut s = p.stream(request());
    let (mut text, mut reasoning, mut usage, mut last) = (String::new(), String::new(), None, None);
    while let Some(e) = s.next().await {
        match &e {
            LlmEvent::Text(t) => text.push_str(t),
            LlmEvent::Reasoning(t) => reasoning.push_str(t),
            LlmEvent::Usage { input, output } => usage = Some((*input, *output)),
            _ => {}
        }
        last = Some(e);
    }
    (text, reasoning, usage, last.expect("an event"))
}

fn jsonl(rel: &str) -> Vec<Value> {
    read(rel)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// The text the recorded `OpenAI` stream carries, from its chunks (each `delta.content`).
pub fn openai_text() -> String {
    jsonl("llm/chat-stream.gpt-4.1-nano.chunks.jsonl")
        .iter()
        .filter_map(|c| {
            c.pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
        })
        .collect()
}

#[tokio::test]
async fn openai_stream_reassembles_text_and_usage() {
    let chunks = jsonl("llm/chat-stream.gpt-4.1-nano.chunks.jsonl");
    let expected = openai_text();
    let usage = chunks.iter().rev().find_map(|c| {
        let u = c.get("usage").filter(|u| !u.is_null())?;
        Some((
            u["prompt_tokens"].as_u64()?,
            u["completion_tokens"].as_u64()?,
        ))
    });
    let url = mock(
        200,
        &[("content-type", "text/event-stream")],
        read("llm/chat-stream.gpt-4.1-nano.DERIVED.sse"),
        false,
    )
    .await;
    let (text, _, got_usage, last) = collect(LlmProvider::Openai, &url).await;
    assert!(!expected.is_empty());
    assert_eq!(text, expected);
    assert_eq!(got_usage, usage);
    assert!(matches!(last, LlmEvent::Done { .. }), "{last:?}");
}

#[tokio::test]
async fn reasoning_content_is_kept_apart_from_the_answer() {
    let chunks = jsonl("llm/deepseek-reasoning.chunks.jsonl");
    // Framed as the wire sends it: one `data:` event per recorded chunk, then `[DONE]`.
    let mut sse = String::new();
    for c in &chunks {
        sse.push_str("data: ");
        sse.push_str(&c.to_string());
        sse.push_str("\n\n");
    }
    sse.push_str("data: [DONE]\n\n");
    let want_reasoning: String = chunks
        .iter()
        .filter_map(|c| {
            c.pointer("/choices/0/delta/reasoning_content")
                .and_then(Value::as_str)
        })
        .collect();
    let want_text: String = chunks
        .iter()
        .filter_map(|c| {
            c.pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
        })
        .collect();
    let url = mock(200, &[("content-type", "text/event-stream")], sse, false).await;
    let (text, reasoning, _, _) = collect(LlmProvider::Openai, &url).await;
    assert!(!want_reasoning.is_empty());
    assert_eq!((text, reasoning), (want_text, want_reasoning));
}

#[tokio::test]
async fn anthropic_stream_reassembles_text_and_usage() {
    let events = jsonl("llm/anthropic-text.chunks.jsonl");
    let expected: String = events
        .iter()
        .filter(|e| e["type"] == "content_block_delta")
        .filter_map(|e| e.pointer("/delta/text").and_then(Value::as_str))
        .collect();
    let input = events.iter().find_map(|e| {
        e.pointer("/message/usage/input_tokens")
            .and_then(Value::as_u64)
    });
    let output = events
        .iter()
        .filter(|e| e["type"] == "message_delta")
        .find_map(|e| e.pointer("/usage/output_tokens").and_then(Value::as_u64));
    let url = mock(
        200,
        &[("content-type", "text/event-stream")],
        read("llm/claude-sonnet-4-5-text.DERIVED.sse"),
        false,
    )
    .await;
    let (text, _, usage, last) = collect(LlmProvider::Anthropic, &url).await;
    assert_eq!(text, expected);
    assert_eq!(usage, input.zip(output));
    assert!(matches!(last, LlmEvent::Done { .. }), "{last:?}");
}

#[tokio::test]
async fn ollama_stream_reassembles_text_and_usage() {
    let lines = jsonl("llm/api-chat-stream.docs-example.ndjson");
    let expected: String = lines
        .iter()
        .filter_map(|l| l.pointer("/message/content").and_then(Value::as_str))
        .collect();
    let url = mock(
        200,
        &[("content-type", "application/x-ndjson")],
        read("llm/api-chat-stream.docs-example.ndjson"),
        false,
    )
    .await;
    let (text, _, usage, last) = collect(LlmProvider::Ollama, &url).await;
    assert_eq!(text, expected);
    assert_eq!(usage, Some((26, 282)));
    assert!(matches!(last, LlmEvent::Done { .. }), "{last:?}");
}

#[tokio::test]
async fn an_error_after_200_a_cut_connection_429_and_401() {
    let url = mock(
        200,
        &[("content-type", "text/event-stream")],
        read("llm/stream-midstream-overloaded-error.ASSEMBLED.sse"),
        false,
    )
    .await;
    let (_, _, _, last) = collect(LlmProvider::Anthropic, &url).await;
    assert!(
        matches!(&last, LlmEvent::Error(LlmError::Stream(m)) if m.contains("overloaded_error")),
        "{last:?}"
    );
    let url = mock(
        200,
        &[("content-type", "text/event-stream")],
        read("llm/chat-stream.gpt-4.1-nano.DERIVED.sse"),
        true,
    )
    .await;
    let (text, _, _, last) = collect(LlmProvider::Openai, &url).await;
    assert!(!text.is_empty(), "the partial answer is kept");
    assert_eq!(last, LlmEvent::Error(LlmError::Cut));
    let url = mock(
        429,
        &[("retry-after", "2")],
        read("llm/error-429-rate_limit_exceeded.tokens.json"),
        false,
    )
    .await;
    let (_, _, _, last) = collect(LlmProvider::Openai, &url).await;
    match last {
        LlmEvent::Error(LlmError::RateLimited {
            retry_after,
            message,
            ..
        }) => {
            assert_eq!(retry_after, Duration::from_secs(2));
            assert!(message.contains("tokens per min"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let url = mock(
        401,
        &[],
        "{\"error\": {\"message\": \"Incorrect API key provided\"}}".into(),
        false,
    )
    .await;
    let (_, _, _, last) = collect(LlmProvider::Openai, &url).await;
    assert!(
        matches!(&last, LlmEvent::Error(LlmError::Auth { status: 401, message }) if message.contains("Incorrect API key")),
        "{last:?}"
    );
}

#[tokio::test]
async fn grounding_includes_the_named_issue_and_stays_within_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let key: String =
        sqlx::query_scalar("SELECT key FROM issues WHERE key LIKE 'OPS-%' ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await
            .expect("an OPS issue");
    let question = format!("summarise {key} and anything about checkout");
    let g = context::build(
        store.pool(),
        &question,
        None,
        Some("Active sprint summary."),
        800,
        true,
    )
    .await
    .expect("context");
    assert_eq!(g.keys.first(), Some(&key), "the named issue comes first");
    assert!(g.text.contains(&format!("[{key}]")));
    assert!(
        context::tokens(&g.text) <= 800,
        "{}",
        context::tokens(&g.text)
    );
    assert!(g.keys.len() > 1, "full-text hits follow");
    // Without descriptions, only titles and fields are sent.
    let with: String = sqlx::query_scalar("SELECT description FROM issues WHERE key = ?")
        .bind(&key)
        .fetch_one(store.pool())
        .await
        .expect("description");
    let bare = context::build(store.pool(), &question, None, None, 800, false)
        .await
        .expect("context");
    let first_line: String = with
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect();
    assert!(!first_line.trim().is_empty());
    assert!(
        g.text.contains(first_line.trim()),
        "descriptions are sent by default"
    );
    assert!(
        !bare.text.contains(first_line.trim()),
        "send_descriptions = false is honoured"
    );
    let tiny = context::build(store.pool(), &question, None, None, 10, true)
        .await
        .expect("context");
    assert!(context::tokens(&tiny.text) <= 10);
    assert_eq!(
        context::named_keys("what about OPS-112, web/shop#12?"),
        ["OPS-112", "web/shop#12"]
    );
}

/// `sprintdeck ask` streams the grounded answer to stdout and the usage to stderr; without
/// `[llm]` it says how to configure one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_from_the_command_line() {
    let expected = openai_text();
    let url = mock(
        200,
        &[("content-type", "text/event-stream")],
        read("llm/chat-stream.gpt-4.1-nano.DERIVED.sse"),
        false,
    )
    .await;
    let env = crate::common::BinaryEnv::new(
        &format!(
            "[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\napi_key_env = \"SD_LLM_KEY\"\nprice_input_per_1k = 0.1\nprice_output_per_1k = 0.4\n"
        ),
        ("SD_LLM_KEY", "sk-test"),
    );
    let o = env
        .run(&["ask", "--show-context", "who is overloaded this sprint?"])
        .await;
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(out.trim_end(), expected.trim_end());
    assert!(err.contains("--- context sent ("), "{err}");
    assert!(
        err.contains("points this sprint of"),
        "the load summary is in the context: {err}"
    );
    assert!(
        err.contains("tokens in,") && err.contains("about $"),
        "{err}"
    );
    let o = env.run(&["doctor"]).await;
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("openai model gpt-4.1-nano: answers, first token after"),
        "{out}"
    );
    let bare = crate::common::BinaryEnv::new("", ("X", "y"));
    let o = bare.run(&["ask", "anything"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("provider = \"ollama\""));
}

#[tokio::test]
async fn the_sprint_summary_is_kept_until_the_data_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let config: sprintdeck::config::Config =
        toml::from_str("[llm]\nmodel = \"m\"\n").expect("config");
    let now = crate::common::now();
    let cache = context::SummaryCache::default();
    let first = cache
        .get(store.pool(), &config, now)
        .await
        .expect("summary");
    assert_eq!(
        first,
        context::store_summary(store.pool(), &config, now)
            .await
            .expect("summary")
    );
    // A change the fingerprint cannot see is not picked up: proof the second answer is cached.
    write(
        &store,
        "UPDATE issues SET status_category = 'done' WHERE id IN \
         (SELECT id FROM issues WHERE status_category = 'in_progress' LIMIT 1)",
    )
    .await;
    assert_eq!(
        cache.get(store.pool(), &config, now).await.as_ref(),
        Some(&first)
    );
    // A sync (or edit) bumps `updated_at`: the summary is computed again.
    write(
        &store,
        "UPDATE issues SET updated_at = '2099-01-01T00:00:00Z' WHERE id = (SELECT min(id) FROM issues)",
    )
    .await;
    let second = cache
        .get(store.pool(), &config, now)
        .await
        .expect("summary");
    assert_ne!(second, first, "in progress went down by one");
    assert_eq!(
        second,
        context::store_summary(store.pool(), &config, now)
            .await
            .expect("summary")
    );
    // A new day too.
    let tomorrow = now + chrono::Duration::days(1);
    assert_eq!(
        cache.get(store.pool(), &config, tomorrow).await,
        context::store_summary(store.pool(), &config, tomorrow).await
    );
}

async fn write(store: &sprintdeck::store::Store, sql: &'static str) {
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query(sql).execute(&mut *c).await?;
                Ok(())
            })
        })
        .await
        .expect(sql);
}

/// Every tool call of a whole stream, and its last event.
async fn tool_calls(provider: LlmProvider, url: &str) -> (Vec<(String, String, Value)>, LlmEvent) {
    let p = llm::provider(&profile(provider, url), None).expect("provider");
    let mut s = p.stream(request());
    let (mut calls, mut last) = (Vec::new(), None);
    while let Some(e) = s.next().await {
        if let LlmEvent::ToolCall {
            id,
            name,
            arguments,
        } = &e
        {
            let args: Value = serde_json::from_str(arguments).expect("arguments are JSON");
            calls.push((id.clone(), name.clone(), args));
        }
        last = Some(e);
    }
    (calls, last.expect("an event"))
}

/// A recorded SSE body as a server ends it: the recordings were saved without the blank line
/// that completes their last event (without it, the event is incomplete by the SSE rules).
pub fn wire(mut body: String) -> String {
    while !body.ends_with("\n\n") {
        body.push('\n');
    }
    body
}

/// SSE framing for payload-per-line recordings: `data: <line>` events, `[DONE]` at the end.
fn sse_of(lines: &str, done: bool) -> String {
    let mut out = String::new();
    for l in lines.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("data: ");
        out.push_str(l);
        out.push_str("\n\n");
    }
    if done {
        out.push_str("data: [DONE]\n\n");
    }
    out
}

#[tokio::test]
async fn tool_calls_are_gathered_from_their_pieces_in_every_provider_format() {
    let sse = [("content-type", "text/event-stream")];
    // Anthropic: a text block, then tool_use whose input arrives as input_json_delta pieces.
    let url = mock(200, &sse, wire(read("llm/tool_use_response.sse")), false).await;
    let (calls, last) = tool_calls(LlmProvider::Anthropic, &url).await;
    assert_eq!(
        calls,
        vec![(
            "toolu_01NRLabsLyVHZPKxbKvkfSMn".to_owned(),
            "get_weather".to_owned(),
            serde_json::json!({"location": "Paris"})
        )]
    );
    assert!(matches!(last, LlmEvent::Done { .. }), "{last:?}");
    // Anthropic: a tool_use block with no input deltas at all.
    let url = mock(
        200,
        &sse,
        sse_of(&read("llm/anthropic-tool-no-args.chunks.jsonl"), false),
        false,
    )
    .await;
    let (calls, _) = tool_calls(LlmProvider::Anthropic, &url).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].2, serde_json::json!({}));
    // OpenAI-compatible: index 1, arguments split across chunks with empty pieces.
    let url = mock(
        200,
        &sse,
        wire(read("llm/anthropic-openai-compat-tool-call.sse")),
        false,
    )
    .await;
    let (calls, last) = tool_calls(LlmProvider::Openai, &url).await;
    assert!(matches!(last, LlmEvent::Done { .. }), "{last:?}");
    assert_eq!(
        calls,
        vec![(
            "toolu_sanitized".to_owned(),
            "read_file".to_owned(),
            serde_json::json!({"path": "a.txt"})
        )]
    );
    // Groq: the whole call in one chunk.
    let url = mock(
        200,
        &sse,
        sse_of(&read("llm/groq-tool-call.chunks.jsonl"), true),
        false,
    )
    .await;
    let (calls, _) = tool_calls(LlmProvider::Openai, &url).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].1.as_str(), &calls[0].2),
        ("weather", &serde_json::json!({}))
    );
    // Ollama: arguments as an object, no id.
    let url = mock(
        200,
        &[("content-type", "application/x-ndjson")],
        read("llm/api-chat-stream-tool-call.docs-example.ndjson"),
        false,
    )
    .await;
    let (calls, last) = tool_calls(LlmProvider::Ollama, &url).await;
    assert_eq!(
        calls,
        vec![(
            String::new(),
            "get_weather".to_owned(),
            serde_json::json!({"city": "Tokyo"})
        )]
    );
    assert!(matches!(last, LlmEvent::Done { .. }), "{last:?}");
}
